//! Native throughput of training's first phase, split into its parts: special-token splitting, the
//! GPT-2 scanner alone, scanner + counting, and the merge loop. Std only (no bench crate), so it runs on
//! the team VM with `cargo run --release --example pretok-bench -- FILE [--reps N] [--merges N]`.
//! Prints the best of N runs per phase (the VM is shared: the minimum is the least-disturbed figure).

use cs336_tokenizer::pretokenize;
use cs336_tokenizer::PretokenCounts;
use cs336_tokenizer::Trainer;
use cs336_tokenizer::{Segment, SpecialTokens};
use std::hint::black_box;
use std::time::Instant;

fn best_of<T>(reps: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..reps {
        let t0 = Instant::now();
        let r = black_box(f());
        best = best.min(t0.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.expect("reps >= 1"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: pretok-bench FILE [--reps N] [--merges N] [--only split|scan|count|merge]";
    let Some(path) = args.first() else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1));
    let reps: usize = flag("--reps").and_then(|s| s.parse().ok()).unwrap_or(3);
    let merges: usize = flag("--merges").and_then(|s| s.parse().ok()).unwrap_or(0);
    let only = flag("--only").cloned();
    let run = |phase: &str| only.as_deref().is_none_or(|o| o == phase);

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
