//! Native timing of the encoder's load and encode paths, std only, so it runs under `perf` and
//! callgrind on the team VM: `cargo run --release --example encode-bench -- RANKS TEXT [--mb N] [--reps N]`.
//! RANKS is tiktoken rank text (`.tiktoken` lines or the npm package's `bpe_ranks`), TEXT a UTF-8 file.
//! Prints the best of N runs per phase (the VM is shared: the minimum is the least-disturbed figure).

mod common;

use common::{best_of, usage_exit, Args};
use cs336_tokenizer::parse_rank_text;
use cs336_tokenizer::Encoder;

fn main() {
    let args = Args::from_env();
    let (Some(ranks), Some(text)) = (args.positional(0), args.positional(1)) else {
        usage_exit("usage: encode-bench RANKS TEXT [--mb N] [--reps N]");
    };
    let reps: usize = args.number("--reps", 5);
    let raw = std::fs::read(ranks).expect("read ranks");
    let mut text = std::fs::read(text).expect("read text");
    text.truncate(args.number::<usize>("--mb", 8) * 1_000_000);
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
    if let Some(dir) = args.value("--gpt2") {
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
