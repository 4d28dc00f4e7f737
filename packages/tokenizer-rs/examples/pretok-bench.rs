//! Native throughput of training's first phase, split into its parts: special-token splitting, the
//! GPT-2 scanner alone, scanner + counting, and the merge loop. Std only (no bench crate), so it runs on
//! the team VM with `cargo run --release --example pretok-bench -- FILE [--reps N] [--merges N]`.
//! Prints the best of N runs per phase (the VM is shared: the minimum is the least-disturbed figure).

mod common;

use common::{best_of, usage_exit, Args};
use cs336_tokenizer::pretokenize;
use cs336_tokenizer::PretokenCounts;
use cs336_tokenizer::Trainer;
use cs336_tokenizer::{Segment, SpecialTokens};
use std::time::Instant;

fn main() {
    let args = Args::from_env();
    let Some(path) = args.positional(0) else {
        usage_exit("usage: pretok-bench FILE [--reps N] [--merges N] [--only split|scan|count|merge]");
    };
    let reps: usize = args.number("--reps", 3);
    let merges: usize = args.number("--merges", 0);
    let only = args.value("--only");
    let run = |phase: &str| only.is_none_or(|o| o == phase);

    let bytes = std::fs::read(path).unwrap_or_else(|e| {
        eprintln!("error: cannot read {path}: {e}");
        std::process::exit(2);
    });
    let text = std::str::from_utf8(&bytes).unwrap_or_else(|e| {
        eprintln!("error: {path} is not UTF-8 at byte {}", e.valid_up_to());
        std::process::exit(2);
    });
    let specials = SpecialTokens::new(&["<|endoftext|>".to_string()]).expect("valid special token");
    let mb = text.len() as f64 / 1e6;
    let report = |phase: &str, secs: f64, extra: String| {
        println!("{phase:<6} {:>8.1} MB/s  {:>7.3} s  {extra}", mb / secs, secs);
    };

    if run("split") {
        let (s, n) = best_of(reps, || specials.split(text).count());
        report("split", s, format!("{n} segments"));
    }
    if run("scan") {
        // Sum of lengths keeps the scanner's work observable without counting.
        let (s, n) = best_of(reps, || {
            let mut n = 0usize;
            for seg in specials.split(text) {
                if let Segment::Text(t) = seg {
                    for tok in pretokenize(t) {
                        n += tok.len() ^ (tok.as_bytes()[0] as usize);
                    }
                }
            }
            n
        });
        report("scan", s, format!("checksum {n}"));
    }
    if run("count") || run("merge") {
        let (s, counts) = best_of(reps, || {
            let mut c = PretokenCounts::new();
            c.add_text(text, &specials);
            c
        });
        report("count", s, format!("{} distinct pre-tokens", counts.len()));
        if merges > 0 && run("merge") {
            let t0 = Instant::now();
            let mut t = Trainer::new(&counts);
            let built = t0.elapsed().as_secs_f64();
            let done = t.step(merges);
            let total = t0.elapsed().as_secs_f64();
            println!("merge  {done} merges in {total:.3} s (index build {built:.3} s)");
        }
    }
}
