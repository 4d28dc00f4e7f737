//! Byte-level BPE tokenizer core (CS336 assignment 1, §2): GPT-2 pre-tokenization, special-token
//! splitting, BPE training, encoding and decoding, and the one reader of the tokenizer file formats
//! (vocab.json, merges.txt, tokenizer.json, tiktoken ranks). Plain Rust with no dependencies; `wasm` holds
//! the only `extern "C"` boundary, so `cargo test` needs no JavaScript.
//!
//! Vocab ids (this crate, its files and the TS wrapper): ids 0..=255 are the single bytes (id = byte
//! value), then one id per merge in creation order (256, 257, …), then the special tokens in the order
//! given. `vocab_size` counts all three. CS336's reference vocab lists `<|endoftext|>` first, but its test
//! compares vocab *values* and merges, which do not depend on this choice; GPT-2 also puts specials last.
//!
//! Performance notes. The decisions and why; what each bought, measured, is in bench/RESULTS.md
//! (train-bpe, encode).
//!
//! Pre-tokenization is a hand-written scanner of the GPT-2 pattern, not a regex engine: the pattern is
//! small and fixed, a scanner needs no backtracking and no crate, and it can classify bytes through one
//! 256-entry table and step over ASCII letter runs eight bytes at a time. `\p{L}`, `\p{N}` and `\s` come
//! from tables generated from JavaScript's own regex engine, so the wrapper's tests can check every code
//! point against it. What then costs most is its branch per pre-token on the next byte's class, which
//! English makes hard to predict; on x86_64 the GPT-2 ends come 64 bytes at a time instead
//! (`pretokenize::gpt2_blocks`): in ASCII without apostrophes each end depends only on the bytes beside it,
//! so SSE2 class masks give a window's ends at once, and the scanner takes whatever a window cannot end.
//!
//! Parallelism is the wrapper's: Workers that each own a WASM instance, not WASM threads, which Bun does not
//! run dependably (SharedArrayBuffer). Input is cut only at safe cuts (`cuts`), so each range pre-tokenizes
//! as it would in the whole text; a Worker sends its pre-token counts back as one serialized buffer, never
//! per token.
//!
//! Counting keys short pre-tokens inside their hash-table slots (`pretoken_table`): a seen pre-token costs
//! one probe and no allocation, where a map of boxed keys chased a pointer per key (`inline_key`: the one
//! form of such keys, shared with the encoder's cache). Special tokens are found by a first-byte search
//! (`special::SpecialTokens::find`; 64 bytes per step on x86_64), not by splitting every byte through a list.
//!
//! At millions of distinct pre-tokens the counting table and the merge state are hundreds of megabytes,
//! and the time goes to cache misses, not instructions. The native build therefore prefetches: counting
//! scans a few pre-tokens ahead of the table and asks for each one's slot, the encoder does the same with
//! its piece cache, and the merge loop asks for the records of the words a few entries ahead in the merged
//! pair's list. WASM has no prefetch hint and keeps the plain loops; both builds share every data
//! structure of counting and merging and produce the same table and merges.
//!
//! The merge loop updates only what a merge changes: a pair → words index finds the words holding the
//! merged pair, only the pairs beside each merge site are recounted, and pair counts sit in a max-heap
//! that is invalidated lazily (a stale entry is re-pushed with its current count when it surfaces). A
//! pair's count and word list share one map entry, a list of up to two words sits inside it (most pairs
//! are rare), and each word is one record (count, length, last visit, then its symbols, `u16` while ids
//! fit), because every visit is a cache miss and a struct beside a symbol array made it two.
//!
//! Hashing uses an in-crate Fx-style hasher (`fxhash`) for pair counts and the encoder's tables: every key
//! is an id pair or text the caller already controls, so SipHash's resistance to hash flooding buys
//! nothing and would cost about twice as much per lookup.
//!
//! Encoding caches each encoder's pre-tokens (`encode::cache`): natural text repeats a small set of them,
//! so most skip the merge loop; short keys and their ids live inline in the slot, and the cache is emptied
//! wholesale when full (cheaper than LRU). Natively each piece's slot is prefetched a few pieces ahead; in
//! WASM, which cannot prefetch, a small direct-mapped table of recent hits sits in front instead.
//! A rank-based vocab builds no pair table at load: as tiktoken does, a merge is a lookup of the joined
//! bytes among the ranked tokens.
//!
//! Text without whitespace is one pre-token as long as the text (CJK, base64, a repeated letter), so no
//! step may cost a pre-token's length per merge. Training rescans a word whenever one of its pairs merges,
//! which suits natural text's short repeated words; words over 64 bytes keep, per pair, the positions where
//! it formed (`train::long_words`, as SentencePiece's trainer does), and a merge visits only those, skipping
//! the ones gone stale. Encoding a piece over 4 KiB takes its merges from per-rank buckets in (rank,
//! position) order instead of a binary heap of every pair, whose pops missed cache once a piece outgrew the
//! caches: same order, same ids. Both hold a long sequence as one array with each node's id at its two ends
//! (`node_list`: no prev/next links, u16 ids while they fit) and positions as varint deltas with runs
//! collapsed (`pos_list`), so a repeated letter costs about three times its size, not ten to thirty.
//!
//! Loading runs before the engine has optimized anything, so the file readers (rank text, vocab.json,
//! merges.txt) decode in one pass straight from the file's bytes into flat tables, and keep their hot
//! loops in small out-of-line functions: the engine's optimizing tier recompiles whichever function holds
//! a hot loop, at a cost that grows with its size. The build is baseline wasm32: `simd128` gave nothing,
//! since nothing here auto-vectorizes.

mod count;
mod cuts;
mod decode;
mod encode;
mod error;
mod fxhash;
mod inline_key;
#[cfg(feature = "napi")]
pub mod napi;
mod node_list;
mod pos_list;
mod pretoken_table;
mod pretokenize;
mod special;
mod train;
mod unicode_tables;
mod wasm;

// The crate's public surface: what the examples (native benches) need. The wasm module and the tests
// reach everything else from inside the crate.
pub use count::PretokenCounts;
pub use encode::files::read_merges_txt;
pub use encode::ranks::parse_rank_text;
pub use encode::vocab_json::read_vocab_json;
pub use encode::{Encoder, VocabTable};
pub use error::{Error, Result};
pub use pretokenize::pretokenize;
pub use special::{Segment, SpecialTokens};
pub use train::Trainer;
