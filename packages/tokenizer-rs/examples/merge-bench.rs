//! Native cost of training's merge phase at scale (issue 16): counts a file's pre-tokens once, then
//! times building the trainer from the counts and running the merges, with CPU seconds and the peak
//! resident set of each part. `cargo run --release --example merge-bench -- FILE [--merges N]
//! [--every N]`; N defaults to 31,743 (vocab 32,000 with one special token). The text is dropped and the
//! peak reset (/proc/self/clear_refs) before the build, so the peaks are the counts plus the trainer.

use cs336_tokenizer::{PretokenCounts, SpecialTokens, Trainer};
use std::time::Instant;

/// This process's user + system CPU seconds (Linux: /proc/self/stat, clock ticks at 100 Hz).
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesized command name; utime and stime are the 12th and 13th of those.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) / 100.0
}

/// A /proc/self/status figure in MB (VmHWM: the peak, VmRSS: now).
fn status_mb(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// FNV-1a over the merges, so two builds' runs can be compared for equal output.
fn checksum(merges: &[(u32, u32)]) -> u64 {
    merges
        .iter()
        .flat_map(|&(a, b)| [a, b])
        .fold(0xcbf2_9ce4_8422_2325, |h, id| {
            (h ^ u64::from(id)).wrapping_mul(0x100_0000_01b3)
        })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: merge-bench FILE [--merges N] [--every N]");
        std::process::exit(2);
    };
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1));
    let merges: usize = flag("--merges").and_then(|s| s.parse().ok()).unwrap_or(31_743);
    let every: usize = flag("--every").and_then(|s| s.parse().ok()).unwrap_or(0);

    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("error: cannot read {path} as UTF-8 text: {e}");
        std::process::exit(2);
    });
    let specials = SpecialTokens::new(&["<|endoftext|>".to_string()]).expect("valid special token");
    let (t0, c0) = (Instant::now(), cpu_s());
    let mut counts = PretokenCounts::new();
    counts.add_text(&text, &specials);
    println!(
        "count  {:>8.2} s  {:>7.2} CPU s  {} distinct pre-tokens",
        t0.elapsed().as_secs_f64(),
        cpu_s() - c0,
        counts.len()
    );
    drop(text);
    // Resets VmHWM to the current RSS, so what follows is measured without the text's peak.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let base = status_mb("VmRSS:");

    let (t0, c0) = (Instant::now(), cpu_s());
    let mut trainer = Trainer::new(&counts);
    println!(
        "build  {:>8.2} s  {:>7.2} CPU s  peak {:.0} MB (counts alone {:.0} MB)",
        t0.elapsed().as_secs_f64(),
        cpu_s() - c0,
        status_mb("VmHWM:"),
        base
    );
    let (t1, c1) = (Instant::now(), cpu_s());
    let mut done = 0;
    let step = if every == 0 { merges } else { every };
    while done < merges {
        let n = trainer.step(step.min(merges - done));
        done += n;
        if every > 0 {
            println!(
                "  {done:>6} merges  {:>7.2} s  {:>7.2} CPU s  rss {:.0} MB",
                t1.elapsed().as_secs_f64(),
                cpu_s() - c1,
                status_mb("VmRSS:")
            );
        }
        if n == 0 {
            break;
        }
    }
    println!(
        "merge  {:>8.2} s  {:>7.2} CPU s  {done} merges  peak {:.0} MB  checksum {:016x}",
        t1.elapsed().as_secs_f64(),
        cpu_s() - c1,
        status_mb("VmHWM:"),
        checksum(trainer.merges())
    );
    println!(
        "build+merge {:>7.2} s  {:>7.2} CPU s",
        t0.elapsed().as_secs_f64(),
        cpu_s() - c0
    );
}
