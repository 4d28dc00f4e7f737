//! The addon's own threads for file-range work, and the Promise each task settles from them. napi-rs's
//! `AsyncTask` runs on the runtime's pool instead: under Node that is libuv's, 4 threads unless
//! UV_THREADPOOL_SIZE is set before it starts, and shared with fs and DNS work, so `workers: 16` on a
//! 16-core machine would count on 4. Here one pool per process, sized to the machine's available
//! parallelism, is started on first use; each task settles its Promise through a thread-safe deferred.

use super::internal_error;
use napi::bindgen_prelude::{PromiseRaw, ToNapiValue};
use napi::{Env, JsValue, Result};
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Condvar, Mutex, OnceLock, PoisonError};

/// The name every pool thread carries (a thread name holds at most 15 bytes on Linux), so a test or a
/// profiler can tell these threads from libuv's.
const THREAD_NAME: &str = "cs336-tokenize";

type Job = Box<dyn FnOnce() + Send>;

/// A FIFO of jobs and the threads that take them. Threads never exit: they wait on the condvar while idle,
/// and the process ends them when it exits (a task in flight then never settles its Promise, whose
/// environment is gone; napi-rs drops such a settle instead of calling into it).
struct Pool {
    queue: Mutex<VecDeque<Job>>,
    ready: Condvar,
}

impl Pool {
    /// The pool and how many of its threads started, the threads started on the first call. Leaked on
    /// purpose: they borrow it for the life of the process.
    fn get() -> (&'static Pool, usize) {
        static POOL: OnceLock<(&'static Pool, usize)> = OnceLock::new();
        *POOL.get_or_init(|| {
            let pool: &'static Pool = Box::leak(Box::new(Pool {
                queue: Mutex::new(VecDeque::new()),
                ready: Condvar::new(),
            }));
            let started = (0..threads())
                .filter(|_| {
                    std::thread::Builder::new()
                        .name(THREAD_NAME.into())
                        .spawn(move || pool.work())
                        .is_ok()
                })
                .count();
            (pool, started)
        })
    }

    fn work(&self) {
        loop {
            let job = {
                let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
                loop {
                    match queue.pop_front() {
                        Some(job) => break job,
                        None => queue = self.ready.wait(queue).unwrap_or_else(PoisonError::into_inner),
                    }
                }
            };
            job();
        }
    }

    fn push(&self, job: Job) {
        self.queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(job);
        self.ready.notify_one();
    }
}

/// How many threads the pool has: the parallelism this process may use (CPU affinity and cgroup quota
/// included), 1 when that cannot be read.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// How many threads the pool runs (started on first use).
pub fn size() -> usize {
    Pool::get().1
}

/// Runs `work` on the pool and returns a Promise that settles with `to_js` of its value, built on the JS
/// thread, or rejects with its error. A panic in `work` (only possible in a build that unwinds) rejects
/// with an internal error rather than leaving the Promise, and the event loop it holds open, waiting.
pub fn spawn<'env, T, D>(
    env: &'env Env,
    work: impl FnOnce() -> Result<T> + Send + 'static,
    to_js: fn(T) -> D,
) -> Result<PromiseRaw<'env, D>>
where
    T: Send + 'static,
    D: ToNapiValue + 'static,
{
    let (pool, started) = Pool::get();
    if started == 0 {
        // Without a thread the task would never run and its Promise would hold the process open.
        return Err(internal_error(
            "the tokenizer could not start any thread for file tasks; the system is out of threads or \
             memory: free some and retry, or use the WASM backend (CS336_TOKENIZER_BACKEND=wasm)"
                .into(),
        ));
    }
    let (deferred, promise) = env.create_deferred()?;
    pool.push(Box::new(move || match catch_unwind(AssertUnwindSafe(work)) {
        Ok(Ok(value)) => deferred.resolve(move |_env: Env| Ok(to_js(value))),
        Ok(Err(e)) => deferred.reject(e),
        Err(_) => deferred.reject(internal_error(
            "a tokenizer task panicked; please report it with the input that caused it".into(),
        )),
    }));
    Ok(PromiseRaw::new(env.raw(), promise.raw()))
}
