//! Byte-level BPE tokenizer core (CS336 assignment 1, §2): GPT-2 pre-tokenization, special-token
//! splitting, pre-token counting and BPE training. Plain Rust with no dependencies; `wasm` holds the only
//! `extern "C"` boundary, so `cargo test` needs no JavaScript.
//!
//! Vocab ids (this crate, its files and the TS wrapper): ids 0..=255 are the single bytes (id = byte
//! value), then one id per merge in creation order (256, 257, …), then the special tokens in the order
//! given. `vocab_size` counts all three. CS336's reference vocab lists `<|endoftext|>` first, but its test
//! compares vocab *values* and merges, which do not depend on this choice; GPT-2 also puts specials last.
//!
//! Performance notes (measured on the dev box, 2 cores, see bench/RESULTS.md):
//! - Pre-tokenization is a byte scanner with an ASCII class table; non-ASCII falls back to binary search
//!   in the generated range tables. It never allocates per token.
//! - Counting uses an in-crate Fx-style hasher (`count::FxBuildHasher`): keys are short byte strings we
//!   produce ourselves, so HashDoS resistance (std's SipHash) buys nothing and costs ~2x in the hot loop.
//! - The merge loop touches only words containing the merged pair (pair→words index) and keeps pair
//!   counts in a lazily invalidated max-heap: a stale entry is re-pushed with its current count on pop.

pub mod count;
pub mod decode;
pub mod encode;
pub mod encode_cache;
pub mod encode_hash;
pub mod encode_index;
pub mod encode_merge;
pub mod encode_ranks;
pub mod encode_rules;
pub mod encode_stream;
pub mod error;
pub mod pretoken_table;
pub mod pretokenize;
pub mod special;
pub mod train;
pub mod unicode_tables;
pub mod wasm;

pub use error::{Error, Result};
