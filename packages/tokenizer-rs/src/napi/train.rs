//! Node-API classes for training, mirroring `wasm/train.rs`: a counter (special tokens + pre-token counts)
//! filled from UTF-8 chunks or from file ranges on the addon's threads (pool.rs), merged from other counters (moved
//! natively, or serialized), and a trainer built from it that runs merges in batches so the caller can
//! report progress. JS owns the objects; GC frees them.

use super::{internal_error, js_error, pool, read_range};
use crate::count::PretokenCounts;
use crate::error::utf8;
use crate::special::SpecialTokens;
use napi::bindgen_prelude::{PromiseRaw, Uint32Array, Uint8Array};
use napi::{Env, Result};
use napi_derive::napi;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Throws the counter's own error for a bad training special-token list, before any input is read.
#[napi]
pub fn check_training_specials(specials: Vec<String>) -> Result<()> {
    SpecialTokens::for_training(&specials).map(drop).map_err(js_error)
}

/// Special tokens and pre-token counts. The counts sit behind a mutex because `countFileRange` fills them
/// on a pool thread: a second call on the same counter (or a sync method meanwhile) waits for the first.
#[napi]
pub struct Counter {
    specials: Arc<SpecialTokens>,
    counts: Arc<Mutex<PretokenCounts>>,
}

fn locked(counts: &Mutex<PretokenCounts>) -> MutexGuard<'_, PretokenCounts> {
    counts.lock().unwrap_or_else(PoisonError::into_inner)
}

#[napi]
impl Counter {
    #[napi(constructor)]
    pub fn new(specials: Vec<String>) -> Result<Self> {
        Ok(Counter {
            specials: Arc::new(SpecialTokens::for_training(&specials).map_err(js_error)?),
            counts: Arc::new(Mutex::new(PretokenCounts::new())),
        })
    }

    /// Counts a UTF-8 chunk that starts at byte `base` of the input (for errors); returns the number of
    /// distinct pre-tokens so far.
    #[napi]
    pub fn add_text(&self, chunk: Uint8Array, base: f64) -> Result<f64> {
        let text = utf8(&chunk, base as u64).map_err(js_error)?;
        let mut counts = locked(&self.counts);
        counts.add_text(text, &self.specials);
        Ok(counts.len() as f64)
    }

    /// Counts bytes [start, end) of the file at `path` (cut where no pre-token crosses) on one of the
    /// addon's threads (the range read into memory first); resolves to the number of distinct pre-tokens so far. Errors
    /// name the path.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn count_file_range<'env>(
        &self,
        env: &'env Env,
        path: String,
        start: i64,
        end: i64,
    ) -> Result<PromiseRaw<'env, f64>> {
        let specials = Arc::clone(&self.specials);
        let counts = Arc::clone(&self.counts);
        pool::spawn(
            env,
            move || {
                let bytes = read_range(&path, start, end)?;
                let text = utf8(&bytes, start as u64).map_err(|e| js_error(e.in_file(&path)))?;
                let mut counts = locked(&counts);
                counts.add_text(text, &specials);
                Ok(counts.len() as f64)
            },
            |len| len,
        )
    }

    /// Moves every count of `other` into this counter, leaving `other` empty; returns this counter's
    /// number of distinct pre-tokens.
    #[napi]
    pub fn absorb(&self, other: &Counter) -> Result<f64> {
        if Arc::ptr_eq(&self.counts, &other.counts) {
            return Err(internal_error(
                "a counter cannot absorb itself; pass another counter".into(),
            ));
        }
        // Only the JS thread holds two counters' locks, so no order between them can deadlock.
        let mut counts = locked(&self.counts);
        counts.absorb(&mut locked(&other.counts));
        Ok(counts.len() as f64)
    }

    /// The counts in the format `addSerialized` (native or WASM) reads.
    #[napi]
    pub fn serialize(&self) -> Uint8Array {
        Uint8Array::new(locked(&self.counts).serialize())
    }

    #[napi]
    pub fn add_serialized(&self, counts: Uint8Array) -> Result<f64> {
        let mut mine = locked(&self.counts);
        mine.add_serialized(&counts).map_err(js_error)?;
        Ok(mine.len() as f64)
    }

    #[napi(getter)]
    pub fn len(&self) -> f64 {
        locked(&self.counts).len() as f64
    }
}

#[napi]
pub struct Trainer {
    inner: crate::train::Trainer,
}

#[napi]
impl Trainer {
    /// A trainer over the counter's counts, which it takes: the counter is left empty. The trainer keeps
    /// its own words, so holding the counts through the merges would only add their table to the peak
    /// (~200 MB at 6 M distinct pre-tokens), and JS frees the counter object only when it collects it.
    #[napi(constructor)]
    pub fn new(counter: &Counter) -> Self {
        let counts = std::mem::take(&mut *locked(&counter.counts));
        Trainer {
            inner: crate::train::Trainer::new(&counts),
        }
    }

    /// Runs up to `max` merges; returns how many were made (fewer: no pair left).
    #[napi]
    pub fn step(&mut self, max: u32) -> u32 {
        self.inner.step(max as usize) as u32
    }

    /// Every merge so far as flat (left id, right id) pairs.
    #[napi]
    pub fn merges(&self) -> Uint32Array {
        Uint32Array::new(self.inner.merges().iter().flat_map(|&(a, b)| [a, b]).collect())
    }
}
