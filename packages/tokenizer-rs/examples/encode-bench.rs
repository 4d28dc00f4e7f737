//! Native timing of the encoder's load and encode paths, std only, so it runs under `perf` and
//! callgrind on the team VM: `cargo run --release --example encode-bench -- RANKS TEXT [--mb N] [--reps N]`.
//! RANKS is tiktoken rank text (`.tiktoken` lines or the npm package's `bpe_ranks`), TEXT a UTF-8 file.
//! Prints the best of N runs per phase (the VM is shared: the minimum is the least-disturbed figure).

use cs336_tokenizer::parse_rank_text;
use cs336_tokenizer::Encoder;
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
    let opt = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (Some(ranks), Some(text)) = (args.first(), args.get(1)) else {
        eprintln!("usage: encode-bench RANKS TEXT [--mb N] [--reps N]");
        std::process::exit(2);
    };
    let reps = opt("--reps", 5);
    let raw = std::fs::read(ranks).expect("read ranks");
    let mut text = std::fs::read(text).expect("read text");
    text.truncate(opt("--mb", 8) * 1_000_000);
    while std::str::from_utf8(&text).is_err() {
        text.pop();
    }
    let text = String::from_utf8(text).expect("utf8");
    let specials = [("<|endoftext|>".to_string(), 50256u32)];

    let (t_parse, _) = best_of(reps, || parse_rank_text(&raw).expect("parse"));
    let (t_load, _) = best_of(reps, || {
        Encoder::from_rank_table(parse_rank_text(&raw).expect("parse"), &specials).expect("build")
    });
    println!("parse rank text: {:.2} ms", t_parse * 1e3);
    // GPT-2 vocab.json + merges.txt beside the ranks (`--gpt2 DIR` holding gpt2_vocab.json, gpt2_merges.txt).
    if let Some(dir) = args
        .iter()
        .position(|a| a == "--gpt2")
        .and_then(|i| args.get(i + 1))
    {
        let v = std::fs::read(format!("{dir}/gpt2_vocab.json")).expect("read vocab.json");
        let m = std::fs::read(format!("{dir}/gpt2_merges.txt")).expect("read merges.txt");
        let sp = ["<|endoftext|>".to_string()];
        let (t_v, _) = best_of(reps, || {
            cs336_tokenizer::read_vocab_json(&v, &sp, "vocab.json").expect("vocab")
        });
        let (t_m, _) = best_of(reps, || {
            cs336_tokenizer::read_merges_txt(&m, "merges.txt").expect("merges")
        });
        let (t_all, _) = best_of(reps, || {
            Encoder::from_gpt2_files(&v, &m, &sp, "vocab.json", "merges.txt").expect("build")
        });
        println!(
            "vocab.json {:.2} ms, merges.txt {:.2} ms, whole GPT-2 files load {:.2} ms",
            t_v * 1e3,
            t_m * 1e3,
            t_all * 1e3
        );
    }
    println!("parse + build encoder: {:.2} ms", t_load * 1e3);

    let (t_cold, ids) = best_of(reps, || {
        let mut e =
            Encoder::from_rank_table(parse_rank_text(&raw).expect("parse"), &specials).expect("build");
        e.encode(&text)
    });
    let mut e = Encoder::from_rank_table(parse_rank_text(&raw).expect("parse"), &specials).expect("build");
    e.encode(&text);
    let (t_warm, _) = best_of(reps, || e.encode(&text));
    let mb = text.len() as f64 / 1e6;
    println!(
        "tokens: {}  bytes/token: {:.3}",
        ids.len(),
        text.len() as f64 / ids.len() as f64
    );
    println!("encode, fresh encoder (load included): {:.1} MB/s", mb / t_cold);
    println!("encode, warm caches: {:.1} MB/s", mb / t_warm);
    let (t_pre, n) = best_of(reps, || cs336_tokenizer::pretokenize(&text).count());
    println!("pre-tokenize only: {:.1} MB/s ({n} pre-tokens)", mb / t_pre);
    distinct(&text);
}
#[allow(dead_code)]
fn distinct(text: &str) {
    let mut set = std::collections::HashSet::new();
    let mut long = 0;
    for p in cs336_tokenizer::pretokenize(text) {
        if p.len() > 1 {
            set.insert(p);
        }
        if p.len() > 64 {
            long += 1;
        }
    }
    println!(
        "distinct pre-tokens (len>1): {} ; longer than 64: {long}",
        set.len()
    );
}
