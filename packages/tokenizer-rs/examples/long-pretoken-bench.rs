//! Native timing and peak memory of text without whitespace, where the whole input is one pre-token
//! (issue 11, item 8): counting, training a few hundred merges, and encoding, on generated text (never a
//! committed file). `cargo run --release --example long-pretoken-bench -- PHASE [--mb N] [--text KIND]
//! [--alphabet K] [--merges N] [--gpt2 DIR]`; PHASE is `train` or `encode`, KIND `letters` (random
//! letters from the first K of a–z, default 3) or `one` (one letter repeated). Run one phase per process:
//! the peak RSS printed is the process's own (VmHWM), input included.

mod common;

use common::{checksum, status_bytes, usage_exit, Args};
use cs336_tokenizer::{Encoder, PretokenCounts, SpecialTokens, Trainer};
use std::time::Instant;

fn text(mb: f64, kind: &str, alphabet: u64) -> String {
    let n = (mb * 1e6) as usize;
    if kind == "one" {
        return "a".repeat(n);
    }
    let mut x = 0x9e37_79b9_7f4a_7c15u64; // seeded xorshift: the same text every run
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (b'a' + (x % alphabet) as u8) as char
        })
        .collect()
}

fn main() {
    let args = Args::from_env();
    let phase = args.positional(0).unwrap_or("");
    let kind = args.value("--text").unwrap_or("letters");
    let mb: f64 = args.number("--mb", 20.0);
    let alphabet = args.number("--alphabet", 3.0) as u64;
    let t = text(mb, kind, alphabet.clamp(1, 26));
    let what = if kind == "one" {
        format!("{mb} MB of one letter")
    } else {
        format!("{mb} MB of random letters from {alphabet}")
    };
    match phase {
        "train" => {
            let merges = args.number("--merges", 300.0) as usize;
            let t0 = Instant::now();
            let mut counts = PretokenCounts::new();
            counts.add_text(&t, &SpecialTokens::new(&[]).expect("no specials"));
            drop(t); // what a streaming reader keeps: the counts, not the text
            let t1 = Instant::now();
            let mut trainer = Trainer::new(&counts);
            drop(counts);
            let t2 = Instant::now();
            let done = trainer.step(merges);
            let t3 = Instant::now();
            let peak_mb = status_bytes("VmHWM:") / 1e6;
            println!(
                "train, {what}: count {:.2} s, build {:.2} s, {done} merges {:.2} s, peak RSS {:.0} MB ({:.1}x input), merges {:016x}",
                (t1 - t0).as_secs_f64(),
                (t2 - t1).as_secs_f64(),
                (t3 - t2).as_secs_f64(),
                peak_mb,
                peak_mb / mb,
                checksum(trainer.merges().iter().flat_map(|&(a, b)| [a, b]))
            );
        }
        "encode" => {
            let dir = args.value("--gpt2").unwrap_or("/work/shared/fixtures/cs336");
            let read = |f: &str| std::fs::read(format!("{dir}/{f}")).expect("GPT-2 files (--gpt2 DIR)");
            let (v, m) = (read("gpt2_vocab.json"), read("gpt2_merges.txt"));
            let mut e = Encoder::from_gpt2_files(&v, &m, &[], "vocab.json", "merges.txt").expect("GPT-2");
            let t0 = Instant::now();
            let ids = e.encode(&t);
            let s = t0.elapsed().as_secs_f64();
            let peak_mb = status_bytes("VmHWM:") / 1e6;
            println!(
                "encode, {what}: {:.2} s ({:.3} s/MB), {} ids, peak RSS {:.0} MB ({:.1}x input), ids {:016x}",
                s,
                s / mb,
                ids.len(),
                peak_mb,
                peak_mb / mb,
                checksum(ids.iter().copied())
            );
        }
        _ => usage_exit("usage: long-pretoken-bench train|encode [--mb N] [--text letters|one] [--alphabet K] [--merges N] [--gpt2 DIR]"),
    }
}
