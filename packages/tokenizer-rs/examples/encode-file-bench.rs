//! Native profile of file encoding as the addon runs it (src/napi/encode.rs): ranges of a file encoded on
//! N threads, each thread keeping one warm encoder copy across its ranges, so `perf record` sees the same
//! hot loops as `encodeFile` on the native backend without Bun around them.
//! `cargo run --release --example encode-file-bench -- RANKS TEXT [--threads N] [--range-mb M] [--reps R]`
//! RANKS is tiktoken rank text (`.tiktoken` lines or the npm package's `bpe_ranks` value), TEXT a UTF-8
//! file. Ranges end after a newline (near enough to the planner's safe cuts for a profile; the ids are only
//! checksummed). Prints wall MB/s and MB per CPU-second (the process's, from /proc), best of R runs.

mod common;

use common::{checksum_from, cpu_seconds, usage_exit, Args};
use cs336_tokenizer::{parse_rank_text, Encoder};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

fn ranges(text: &str, target: usize) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    while start < b.len() {
        let mut end = (start + target).min(b.len());
        while end < b.len() && b[end - 1] != b'\n' {
            end += 1;
        }
        out.push((start, end));
        start = end;
    }
    out
}

fn main() {
    let args = Args::from_env();
    let (Some(ranks), Some(path)) = (args.positional(0), args.positional(1)) else {
        usage_exit("usage: encode-file-bench RANKS TEXT [--threads N] [--range-mb M] [--reps R]");
    };
    let threads: usize = args.number("--threads", 2);
    let reps: usize = args.number("--reps", 1);
    let raw = std::fs::read(ranks).expect("read ranks");
    let text = String::from_utf8(std::fs::read(path).expect("read text")).expect("UTF-8 text");
    let plan = ranges(&text, args.number::<usize>("--range-mb", 16) << 20);
    let specials = [("<|endoftext|>".to_string(), 50256u32)];
    let built = Encoder::from_rank_table(parse_rank_text(&raw).expect("parse"), &specials).expect("build");
    let mb = text.len() as f64 / 1e6;
    for rep in 0..reps {
        let next = AtomicUsize::new(0);
        let (t0, c0) = (Instant::now(), cpu_seconds());
        let sums: Vec<(u64, usize)> = std::thread::scope(|s| {
            let runs: Vec<_> = (0..threads)
                .map(|_| {
                    let mut e = built.clone();
                    let (plan, next, text) = (&plan, &next, &text);
                    s.spawn(move || {
                        let (mut sum, mut n) = (0u64, 0usize);
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(&(a, b)) = plan.get(i) else { break };
                            let ids = e.encode(&text[a..b]);
                            n += ids.len();
                            // Order-dependent per range, order-free across ranges: threads finish in any order.
                            sum = sum.wrapping_add(checksum_from(i as u64, ids.iter().copied()));
                        }
                        (sum, n)
                    })
                })
                .collect();
            runs.into_iter().map(|r| r.join().expect("thread")).collect()
        });
        let (wall, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
        let sum = sums.iter().fold(0u64, |a, s| a.wrapping_add(s.0));
        let tokens: usize = sums.iter().map(|s| s.1).sum();
        println!(
            "run {rep}: {mb:.0} MB, {} ranges, {threads} threads: {:.2} s wall, {:.2} CPU-s; {:.1} MB/s, {:.1} MB per CPU-s; {tokens} tokens, checksum {sum:016x}",
            plan.len(),
            wall,
            cpu,
            mb / wall,
            mb / cpu
        );
    }
}
