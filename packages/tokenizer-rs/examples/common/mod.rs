//! What the std-only benchmark examples share: best-of-N timing, the process's CPU seconds and resident
//! set from Linux /proc (0 elsewhere), an FNV-1a checksum to compare two builds' output, and a
//! `--name value` argument lookup. Each example pulls it in with `mod common;` (cargo does not build
//! `examples/common/mod.rs` as an example of its own).

// Each example uses a subset of these; the rest would warn per example.
#![allow(dead_code)]

use std::hint::black_box;
use std::str::FromStr;
use std::time::Instant;

/// The fastest of `reps` runs in seconds, with the last run's result (the VM is shared: the minimum is the
/// least-disturbed figure).
pub fn best_of<T>(reps: usize, mut f: impl FnMut() -> T) -> (f64, T) {
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

/// This process's user + system CPU seconds (/proc/self/stat; clock ticks taken as 100 Hz, Linux's
/// USER_HZ, since std cannot ask sysconf).
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name is parenthesized and may itself hold spaces or ')': count fields after the last
    // ')'. utime and stime are the 12th and 13th of those.
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

/// A /proc/self/status figure in bytes: `VmHWM:` the peak resident set so far, `VmRSS:` the current one.
pub fn status_bytes(key: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    kb * 1024.0
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x100_0000_01b3;

/// FNV-1a over ids (or merge pairs flattened to ids), so runs of two builds can be compared for equal output.
pub fn checksum(ids: impl IntoIterator<Item = u32>) -> u64 {
    checksum_from(FNV_OFFSET, ids)
}

/// The same hash started from `seed` instead of FNV's offset basis (a range's index, say, so equal ranges
/// at different places hash apart).
pub fn checksum_from(seed: u64, ids: impl IntoIterator<Item = u32>) -> u64 {
    ids.into_iter()
        .fold(seed, |h, id| (h ^ u64::from(id)).wrapping_mul(FNV_PRIME))
}

/// The command line after the program name. Flags are looked up anywhere in it (`--name value`, first
/// occurrence); positionals are read by index, flags not skipped, so they come first.
pub struct Args(Vec<String>);

impl Args {
    pub fn from_env() -> Self {
        Args(std::env::args().skip(1).collect())
    }

    pub fn positional(&self, i: usize) -> Option<&str> {
        self.0.get(i).map(String::as_str)
    }

    /// The word after `name`, if `name` is given.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .position(|a| a == name)
            .and_then(|i| self.0.get(i + 1))
            .map(String::as_str)
    }

    /// The number after `name`; `default` when the flag is absent or its value does not parse.
    pub fn number<T: FromStr>(&self, name: &str, default: T) -> T {
        self.value(name).and_then(|v| v.parse().ok()).unwrap_or(default)
    }
}

/// Prints the usage line to stderr and exits with status 2 (a command-line error).
pub fn usage_exit(usage: &str) -> ! {
    eprintln!("{usage}");
    std::process::exit(2)
}
