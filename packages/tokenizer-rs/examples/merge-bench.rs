//! Native cost of training's merge phase at scale (issue 16): counts a file's pre-tokens once, then
//! times building the trainer from the counts and running the merges, with CPU seconds and the peak
//! resident set of each part. `cargo run --release --example merge-bench -- FILE [--merges N]
//! [--every N]`; N defaults to 31,743 (vocab 32,000 with one special token). The text is dropped and the
//! peak reset (/proc/self/clear_refs) before the build, so the peaks are the counts plus the trainer.

mod common;

use common::{checksum, cpu_seconds, status_bytes, usage_exit, Args};
use cs336_tokenizer::{PretokenCounts, SpecialTokens, Trainer};
use std::time::Instant;

/// A /proc/self/status figure in MiB (printed as "MB", as the figures in bench/RESULTS.md were taken).
fn status_mib(key: &str) -> f64 {
    status_bytes(key) / 1_048_576.0
}

fn main() {
    let args = Args::from_env();
    let Some(path) = args.positional(0) else {
        usage_exit("usage: merge-bench FILE [--merges N] [--every N]");
    };
    let merges: usize = args.number("--merges", 31_743);
    let every: usize = args.number("--every", 0);

    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("error: cannot read {path} as UTF-8 text: {e}");
        std::process::exit(2);
    });
    let specials = SpecialTokens::new(&["<|endoftext|>".to_string()]).expect("valid special token");
    let (t0, c0) = (Instant::now(), cpu_seconds());
    let mut counts = PretokenCounts::new();
    counts.add_text(&text, &specials);
    println!(
        "count  {:>8.2} s  {:>7.2} CPU s  {} distinct pre-tokens",
        t0.elapsed().as_secs_f64(),
        cpu_seconds() - c0,
        counts.len()
    );
    drop(text);
    // Resets VmHWM to the current RSS, so what follows is measured without the text's peak.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let base = status_mib("VmRSS:");

    let (t0, c0) = (Instant::now(), cpu_seconds());
    let mut trainer = Trainer::new(&counts);
    println!(
        "build  {:>8.2} s  {:>7.2} CPU s  peak {:.0} MB (counts alone {:.0} MB)",
        t0.elapsed().as_secs_f64(),
        cpu_seconds() - c0,
        status_mib("VmHWM:"),
        base
    );
    let (t1, c1) = (Instant::now(), cpu_seconds());
    let mut done = 0;
    let step = if every == 0 { merges } else { every };
    while done < merges {
        let n = trainer.step(step.min(merges - done));
        done += n;
        if every > 0 {
            println!(
                "  {done:>6} merges  {:>7.2} s  {:>7.2} CPU s  rss {:.0} MB",
                t1.elapsed().as_secs_f64(),
                cpu_seconds() - c1,
                status_mib("VmRSS:")
            );
        }
        if n == 0 {
            break;
        }
    }
    println!(
        "merge  {:>8.2} s  {:>7.2} CPU s  {done} merges  peak {:.0} MB  checksum {:016x}",
        t1.elapsed().as_secs_f64(),
        cpu_seconds() - c1,
        status_mib("VmHWM:"),
        checksum(trainer.merges().iter().flat_map(|&(a, b)| [a, b]))
    );
    println!(
        "build+merge {:>7.2} s  {:>7.2} CPU s",
        t0.elapsed().as_secs_f64(),
        cpu_seconds() - c0
    );
}
