//! Native timing and peak memory of text without whitespace, where the whole input is one pre-token
//! (issue 11, item 8): counting, training a few hundred merges, and encoding, on generated text (never a
//! committed file). `cargo run --release --example long-pretoken-bench -- PHASE [--mb N] [--text KIND]
//! [--alphabet K] [--merges N] [--gpt2 DIR]`; PHASE is `train` or `encode`, KIND `letters` (random
//! letters from the first K of a–z, default 3) or `one` (one letter repeated). Run one phase per process:
//! the peak RSS printed is the process's own (VmHWM), input included.

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

/// FNV-1a over ids, so runs of two builds can be compared for equal output.
fn checksum(ids: impl Iterator<Item = u32>) -> u64 {
    ids.fold(0xcbf2_9ce4_8422_2325, |h, id| {
        (h ^ u64::from(id)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Peak resident set of this process so far, in MB (Linux; 0 elsewhere).
fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    kb * 1024.0 / 1e6
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1));
    let num = |name: &str, default: f64| flag(name).and_then(|v| v.parse().ok()).unwrap_or(default);
    let phase = args.first().map(String::as_str).unwrap_or("");
    let kind = flag("--text").map_or("letters", String::as_str);
    let mb = num("--mb", 20.0);
    let alphabet = num("--alphabet", 3.0) as u64;
    let t = text(mb, kind, alphabet.clamp(1, 26));
    let what = if kind == "one" {
        format!("{mb} MB of one letter")
    } else {
        format!("{mb} MB of random letters from {alphabet}")
    };
    match phase {
        "train" => {
            let merges = num("--merges", 300.0) as usize;
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
            println!(
                "train, {what}: count {:.2} s, build {:.2} s, {done} merges {:.2} s, peak RSS {:.0} MB ({:.1}x input), merges {:016x}",
                (t1 - t0).as_secs_f64(),
                (t2 - t1).as_secs_f64(),
                (t3 - t2).as_secs_f64(),
                peak_rss_mb(),
                peak_rss_mb() / mb,
                checksum(trainer.merges().iter().flat_map(|&(a, b)| [a, b]))
            );
        }
        "encode" => {
            let dir = flag("--gpt2").map_or("/work/shared/fixtures/cs336", String::as_str);
            let read = |f: &str| std::fs::read(format!("{dir}/{f}")).expect("GPT-2 files (--gpt2 DIR)");
            let (v, m) = (read("gpt2_vocab.json"), read("gpt2_merges.txt"));
            let mut e = Encoder::from_gpt2_files(&v, &m, &[], "vocab.json", "merges.txt").expect("GPT-2");
            let t0 = Instant::now();
            let ids = e.encode(&t);
            let s = t0.elapsed().as_secs_f64();
            println!(
                "encode, {what}: {:.2} s ({:.3} s/MB), {} ids, peak RSS {:.0} MB ({:.1}x input), ids {:016x}",
                s,
                s / mb,
                ids.len(),
                peak_rss_mb(),
                peak_rss_mb() / mb,
                checksum(ids.iter().copied())
            );
        }
        _ => {
            eprintln!("usage: long-pretoken-bench train|encode [--mb N] [--text letters|one] [--alphabet K] [--merges N] [--gpt2 DIR]");
            std::process::exit(2);
        }
    }
}
