//! The encoder (CS336 §2.6): special-token split, GPT-2 pre-tokenization, per-piece cache, BPE merge by
//! rank. Built either from vocab + merges (CS336, GPT-2 `merges.txt`, HF `tokenizer.json`) or from
//! tiktoken-style ranks, where any two adjacent parts whose concatenation is a token merge, ranked by that
//! token (derived on demand: `rules.rs`). Streaming and the per-call special-token policy live in
//! `stream.rs`, file parsing in `ranks.rs` and `files.rs`.

mod cache;
pub(crate) mod files;
mod hash;
mod hf_pipeline;
mod index;
mod json;
mod merge;
pub(crate) mod rank_file;
pub(crate) mod ranks;
mod rules;
mod stream;
pub(crate) mod tokenizer_json;
pub(crate) mod vocab_json;
pub(crate) mod write_files;

pub(crate) use json::quoted;
pub(crate) use stream::SpecialPolicy;

use crate::error::{Error, Result};
use crate::inline_key::InlineKey;
#[cfg(target_arch = "x86_64")]
use crate::pretokenize::Gpt2Ends;
use crate::pretokenize::Pattern;
use crate::special::SpecialTokens;
use cache::PieceCache;
use hash::{Merge, PairMap};
use index::TokenIndex;
use merge::{merge_in_place, merge_long, merge_slices, LONG_PIECE};
use rules::MergeRules;
use stream::AllowedMatcher;

/// Id → bytes, stored flat. Ids are dense, 0..len.
#[derive(Clone)]
pub struct VocabTable {
    bytes: Vec<u8>,
    ends: Vec<u32>,
}

impl VocabTable {
    pub(crate) fn from_tokens<T: AsRef<[u8]>>(tokens: &[T]) -> Result<VocabTable> {
        let total: usize = tokens.iter().map(|t| t.as_ref().len()).sum();
        if tokens.len() >= u32::MAX as usize || total >= u32::MAX as usize {
            return Err(Error::VocabTooLarge {
                tokens: tokens.len() as u64,
                bytes: total as u64,
            });
        }
        let mut bytes = Vec::with_capacity(total);
        let mut ends = Vec::with_capacity(tokens.len());
        for t in tokens {
            bytes.extend_from_slice(t.as_ref());
            ends.push(bytes.len() as u32);
        }
        Ok(VocabTable { bytes, ends })
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    #[inline]
    pub(crate) fn get(&self, id: u32) -> Option<&[u8]> {
        let end = *self.ends.get(id as usize)? as usize;
        let start = if id == 0 {
            0
        } else {
            self.ends[id as usize - 1] as usize
        };
        Some(&self.bytes[start..end])
    }

    /// From bytes already laid out flat (token i is `bytes[ends[i-1]..ends[i]]`) by this crate's own
    /// parsers, so `ends` ascend by construction and the load skips a validation pass over every token.
    pub(crate) fn into_parts(self) -> (Vec<u8>, Vec<u32>) {
        (self.bytes, self.ends)
    }

    pub(crate) fn from_trusted(bytes: Vec<u8>, ends: Vec<u32>) -> Result<VocabTable> {
        if ends.len() >= u32::MAX as usize || bytes.len() >= u32::MAX as usize {
            return Err(Error::VocabTooLarge {
                tokens: ends.len() as u64,
                bytes: bytes.len() as u64,
            });
        }
        Ok(VocabTable { bytes, ends })
    }

    fn push(&mut self, token: &[u8]) {
        self.bytes.extend_from_slice(token);
        self.ends.push(self.bytes.len() as u32);
    }
}

/// `Clone` gives an independent encoder (its own cache and scratch) for another thread: the addon's
/// file-range tasks each run one (src/napi/encode.rs).
#[derive(Clone)]
pub struct Encoder {
    pub(crate) vocab: VocabTable,
    byte_ids: [u32; 256],
    rules: MergeRules,
    /// Construction special tokens (in the order given) and their ids.
    pub(crate) specials: SpecialTokens,
    pub(crate) special_ids: Vec<u32>,
    cache: PieceCache,
    /// Reused across pieces so a cache miss allocates nothing but the cache entry.
    scratch: Vec<u32>,
    /// The special-token matcher of the last call's policy (see `stream.rs`).
    pub(crate) allowed: Option<AllowedMatcher>,
    /// The pre-tokenizer: GPT-2's unless a rank file names cl100k_base's or o200k_base's.
    pub(crate) pattern: Pattern,
}

fn shown(b: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(b))
}

impl Encoder {
    /// CS336 / GPT-2 form: `vocab[id]` is the token's bytes; merges are byte pairs in rank order.
    /// Special tokens already in the vocab keep their id; the others are appended.
    pub(crate) fn from_merges<T: AsRef<[u8]>>(
        vocab: &[T],
        merges: &[(T, T)],
        specials: &[String],
    ) -> Result<Encoder> {
        let table = VocabTable::from_tokens(vocab)?;
        let pairs = merges.iter().map(|(l, r)| (l.as_ref(), r.as_ref()));
        Encoder::from_merge_pairs(table, None, pairs, merges.len(), specials, false)
    }

    /// `from_merges` over a vocab already in a table (the file loaders build one without copies), with
    /// its token index when the caller has one. `strict` (files) also refuses a token that no merge
    /// produces although two earlier tokens make it: what a lost merges line leaves behind.
    pub(crate) fn from_merge_pairs<'m>(
        mut table: VocabTable,
        index: Option<TokenIndex>,
        merges: impl Iterator<Item = (&'m [u8], &'m [u8])>,
        count: usize,
        specials: &[String],
        strict: bool,
    ) -> Result<Encoder> {
        let mut pairs = PairMap::with_capacity(count);
        let index = index.unwrap_or_else(|| TokenIndex::build(&table));
        let mut produced = vec![false; if strict { table.len() } else { 0 }];
        {
            let id_of = |b: &[u8], merge: usize| {
                index.get(&table, b).ok_or_else(|| Error::MergeTokenNotInVocab {
                    merge,
                    token: shown(b),
                })
            };
            let mut joined = Vec::new();
            for (rank, (l, r)) in merges.enumerate() {
                let (li, ri) = (id_of(l, rank)?, id_of(r, rank)?);
                joined.clear();
                joined.extend_from_slice(l);
                joined.extend_from_slice(r);
                let id = id_of(&joined, rank)?;
                pairs.insert_min(
                    li,
                    ri,
                    Merge {
                        rank: rank as u32,
                        id,
                    },
                );
                if strict {
                    produced[id as usize] = true;
                }
            }
        }
        if strict {
            if let Some(id) = first_lost_merge(&table, &index, &produced, specials) {
                return Err(Error::UnproducedToken {
                    id,
                    token: shown(table.get(id).unwrap_or_default()),
                    vocab_file: String::new(),
                    merges_file: String::new(),
                });
            }
        }
        let special_ids = add_specials(&mut table, &index, specials, None)?;
        Encoder::assemble(table, MergeRules::Table(pairs), specials, special_ids)
    }

    /// tiktoken form: `tokens[rank]` is the token whose rank (and id) is `rank`; specials carry their ids,
    /// which must come after the ranked tokens (tiktoken's GPT-2 puts `<|endoftext|>` at 50256).
    pub(crate) fn from_ranks<T: AsRef<[u8]>>(tokens: &[T], specials: &[(String, u32)]) -> Result<Encoder> {
        Encoder::from_rank_table(VocabTable::from_tokens(tokens)?, specials)
    }

    /// `from_ranks` over tokens already in a table (rank text is parsed straight into one).
    pub fn from_rank_table(table: VocabTable, specials: &[(String, u32)]) -> Result<Encoder> {
        Encoder::from_rank_table_reserving(table, specials, 0)
    }

    /// `from_rank_table` where special ids below `reserved_below` may skip ids: tiktoken's cl100k_base
    /// leaves 100256 and 100261-100275 unused between its special tokens. A skipped id holds an empty
    /// token, which no text encodes to and which decodes to nothing.
    pub(crate) fn from_rank_table_reserving(
        mut table: VocabTable,
        specials: &[(String, u32)],
        reserved_below: u32,
    ) -> Result<Encoder> {
        // Pair merges are derived on demand (rules.rs): the load only indexes the tokens.
        let ranked = table.len() as u32;
        let index = TokenIndex::build(&table);
        let names: Vec<String> = specials.iter().map(|(s, _)| s.clone()).collect();
        let ids: Vec<u32> = specials.iter().map(|&(_, id)| id).collect();
        let special_ids = add_specials(&mut table, &index, &names, Some((&ids, reserved_below)))?;
        Encoder::assemble(table, MergeRules::ranks(index, ranked), &names, special_ids)
    }

    fn assemble(table: VocabTable, rules: MergeRules, specials: &[String], ids: Vec<u32>) -> Result<Encoder> {
        let mut byte_ids = [u32::MAX; 256];
        let mut found = 0;
        // Ascending, so the lowest id of a byte wins; vocabs list the bytes early, so this stops soon.
        for id in 0..table.len() as u32 {
            if let Some(&[b]) = table.get(id) {
                if byte_ids[b as usize] == u32::MAX {
                    byte_ids[b as usize] = id;
                    found += 1;
                    if found == 256 {
                        break;
                    }
                }
            }
        }
        if let Some(b) = byte_ids.iter().position(|&id| id == u32::MAX) {
            return Err(Error::MissingByteToken { byte: b as u8 });
        }
        Ok(Encoder {
            vocab: table,
            byte_ids,
            rules,
            specials: SpecialTokens::new(specials)?,
            special_ids: ids,
            cache: PieceCache::default(),
            scratch: Vec::with_capacity(64),
            allowed: None,
            pattern: Pattern::Gpt2,
        })
    }

    pub(crate) fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    pub(crate) fn token_bytes(&self, id: u32) -> Option<&[u8]> {
        self.vocab.get(id)
    }

    pub(crate) fn special_tokens(&self) -> &[String] {
        self.specials.tokens()
    }

    pub(crate) fn special_ids(&self) -> &[u32] {
        &self.special_ids
    }

    /// Appends the ids of one pre-token.
    #[inline]
    pub(crate) fn encode_piece(&mut self, piece: &[u8], out: &mut Vec<u32>) {
        if piece.len() == 1 {
            out.push(self.byte_ids[piece[0] as usize]);
            return;
        }
        if piece.len() > LONG_PIECE {
            let (rules, vocab) = (&mut self.rules, &self.vocab);
            let mut table = |l, r| rules.get(vocab, l, r);
            return merge_long(piece, &self.byte_ids, vocab, &mut table, out);
        }
        if self.cache.push(piece, out) {
            return;
        }
        self.merge_piece(piece, out);
    }

    /// `encode_piece` for a scanned piece, given its key from `piece_key` (none: one byte, or too long to
    /// key inline).
    #[inline(always)]
    fn encode_scanned_piece(&mut self, piece: &[u8], key: Option<InlineKey>, out: &mut Vec<u32>) {
        let Some(k) = key else {
            return self.encode_piece(piece, out);
        };
        if !self.cache.push_key(&k, out) {
            self.merge_piece(piece, out);
        }
    }

    /// Merges a piece of at most `LONG_PIECE` bytes the cache does not hold, appends its ids and caches them.
    fn merge_piece(&mut self, piece: &[u8], out: &mut Vec<u32>) {
        let mut parts = std::mem::take(&mut self.scratch);
        parts.clear();
        parts.extend(piece.iter().map(|&b| self.byte_ids[b as usize]));
        let (rules, vocab) = (&mut self.rules, &self.vocab);
        // Rank-based vocabularies merge on subslices of the piece (tiktoken's way); the pair rules serve
        // merge tables, and pieces too long for the stack buffers.
        let done = match rules {
            MergeRules::Ranks {
                index,
                ranked,
                byte_pairs,
                ..
            } => {
                let ranked = *ranked;
                if byte_pairs.is_empty() {
                    *byte_pairs = rules::byte_pair_ranks(vocab, ranked);
                }
                let rank = |b: &[u8]| match *b {
                    [x, y] => byte_pairs[(x as usize) << 8 | y as usize],
                    _ => index.get(vocab, b).filter(|&id| id < ranked).unwrap_or(u32::MAX),
                };
                merge_slices(piece, &mut { rank }, &mut parts)
            }
            MergeRules::Table(_) => false,
        };
        if !done {
            merge_in_place(&mut |l, r| rules.get(vocab, l, r), &mut parts);
        }
        out.extend_from_slice(&parts);
        self.cache.insert(piece, &parts);
        self.scratch = parts;
    }

    /// Appends the ids of text that contains no special token (or where specials count as plain text).
    pub(crate) fn encode_ordinary(&mut self, text: &str, out: &mut Vec<u32>) {
        // One loop per pattern, so each scanner inlines into its own loop.
        match self.pattern {
            #[cfg(target_arch = "x86_64")]
            Pattern::Gpt2 => {
                let mut ends = Gpt2Ends::default();
                self.encode_scanned(text, out, |b, i| ends.next(b, i))
            }
            #[cfg(not(target_arch = "x86_64"))]
            Pattern::Gpt2 => self.encode_scanned(text, out, |b, i| Pattern::Gpt2.token_end(b, i)),
            Pattern::Cl100k => self.encode_scanned(text, out, |b, i| Pattern::Cl100k.token_end(b, i)),
            Pattern::O200k => self.encode_scanned(text, out, |b, i| Pattern::O200k.token_end(b, i)),
        }
    }

    #[cfg(not(target_arch = "x86_64"))]
    #[inline(always)]
    fn encode_scanned(&mut self, text: &str, out: &mut Vec<u32>, mut end: impl FnMut(&[u8], usize) -> usize) {
        let b = text.as_bytes();
        let mut pos = 0;
        while pos < b.len() {
            let next = end(b, pos);
            self.encode_scanned_piece(&b[pos..next], piece_key(b, pos, next), out);
            pos = next;
        }
    }

    /// The scanner runs `AHEAD` pieces ahead of the lookups and prefetches each short piece's cache slot
    /// when it is scanned, so the slot is loaded by the time its piece is encoded (pieces are still encoded
    /// in text order).
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn encode_scanned(&mut self, text: &str, out: &mut Vec<u32>, mut end: impl FnMut(&[u8], usize) -> usize) {
        const AHEAD: usize = 16;
        let b = text.as_bytes();
        let mut ring = [(0usize, 0usize, None); AHEAD];
        let (mut pos, mut at, mut filled) = (0, 0, 0);
        while pos < b.len() {
            let next = end(b, pos);
            let key = piece_key(b, pos, next);
            if let Some(k) = &key {
                self.cache.prefetch(k);
            }
            if filled == AHEAD {
                let (s, e, k) = ring[at];
                self.encode_scanned_piece(&b[s..e], k, out);
            } else {
                filled += 1;
            }
            ring[at] = (pos, next, key);
            at = (at + 1) % AHEAD;
            pos = next;
        }
        for i in 0..filled {
            let (s, e, k) = ring[(at + AHEAD - filled + i) % AHEAD];
            self.encode_scanned_piece(&b[s..e], k, out);
        }
    }
}

/// The cache key of `b[start..end]`, read in place: `None` for one-byte pieces (a table load gives their
/// id) and for pieces too long to key inline.
#[inline(always)]
fn piece_key(b: &[u8], start: usize, end: usize) -> Option<InlineKey> {
    if end - start >= 2 {
        InlineKey::at(b, start, end)
    } else {
        None
    }
}

/// Gives each special token an id: its existing id in the vocab, else the next free one (appended).
/// With `fixed` (tiktoken), the ids are given and must be the next ids or name the same bytes; ids below
/// its bound may leave a gap, filled with empty tokens.
/// `index` covers the table as it was before any special token was appended.
/// The lowest id of a token longer than one byte, not special, that no merge produces, and that splits
/// into two tokens of lower ids (a merge's shape). A special token left in vocab.json unnamed (GPT-2's
/// `<|endoftext|>` without `--special-token`) has no such split and still loads.
fn first_lost_merge(
    table: &VocabTable,
    index: &TokenIndex,
    produced: &[bool],
    specials: &[String],
) -> Option<u32> {
    (0..table.len() as u32).find(|&id| {
        let t = table.get(id).unwrap_or_default();
        t.len() > 1
            && !produced[id as usize]
            && !specials.iter().any(|s| s.as_bytes() == t)
            && (1..t.len()).any(|k| {
                let lower = |b: &[u8]| index.get(table, b).is_some_and(|i| i < id);
                lower(&t[..k]) && lower(&t[k..])
            })
    })
}

fn add_specials(
    table: &mut VocabTable,
    index: &TokenIndex,
    specials: &[String],
    fixed: Option<(&[u32], u32)>,
) -> Result<Vec<u32>> {
    let mut ids = Vec::with_capacity(specials.len());
    for (i, s) in specials.iter().enumerate() {
        let existing = index.get(table, s.as_bytes());
        if let Some((f, below)) = fixed {
            if existing.is_none() && f[i] < below {
                while (table.len() as u32) < f[i] {
                    table.push(b"");
                }
            }
        }
        let id = match (fixed.map(|(f, _)| f[i]), existing) {
            (Some(want), Some(have)) if want == have => have,
            (Some(want), None) if want as usize == table.len() => {
                table.push(s.as_bytes());
                want
            }
            (Some(want), _) => {
                return Err(Error::SpecialTokenIdMismatch {
                    token: s.clone(),
                    id: want,
                    next: table.len() as u32,
                })
            }
            (None, Some(have)) => have,
            (None, None) => {
                table.push(s.as_bytes());
                table.len() as u32 - 1
            }
        };
        ids.push(id);
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn byte_vocab() -> Vec<Vec<u8>> {
        (0..=255u8).map(|b| vec![b]).collect()
    }

    #[test]
    fn merges_apply_by_rank_and_specials_append() {
        let mut v = byte_vocab();
        v.push(b"he".to_vec());
        v.push(b"ll".to_vec());
        v.push(b"hell".to_vec());
        let m = vec![
            (b"h".to_vec(), b"e".to_vec()),
            (b"l".to_vec(), b"l".to_vec()),
            (b"he".to_vec(), b"ll".to_vec()),
        ];
        let specials = vec!["<|eot|>".to_string()];
        let mut e = Encoder::from_merges(&v, &m, &specials).unwrap();
        assert_eq!(e.vocab_size(), 260);
        assert_eq!(e.special_ids(), &[259]);
        let mut out = Vec::new();
        e.encode_ordinary("hello", &mut out);
        assert_eq!(out, vec![258, b'o' as u32]);
        out.clear();
        e.encode_ordinary("hello", &mut out); // now from the cache
        assert_eq!(out, vec![258, b'o' as u32]);
    }

    #[test]
    fn construction_errors_name_the_problem() {
        let v = byte_vocab();
        let m = vec![(b"x".to_vec(), b"y".to_vec())];
        let err = Encoder::from_merges(&v, &m, &[]).err().unwrap();
        assert_eq!(
            err,
            Error::MergeTokenNotInVocab {
                merge: 0,
                token: "\"xy\"".into()
            }
        );
        let short: Vec<Vec<u8>> = (0..=254u8).map(|b| vec![b]).collect();
        let err = Encoder::from_merges(&short, &[], &[]).err().unwrap();
        assert_eq!(err, Error::MissingByteToken { byte: 255 });
        let err = Encoder::from_ranks(&v, &[("<|x|>".into(), 300)]).err().unwrap();
        assert!(matches!(
            err,
            Error::SpecialTokenIdMismatch {
                id: 300,
                next: 256,
                ..
            }
        ));
    }

    #[test]
    fn a_clone_encodes_the_same_on_another_thread() {
        let mut v = byte_vocab();
        v.push(b"he".to_vec());
        let m = vec![(b"h".to_vec(), b"e".to_vec())];
        let mut e = Encoder::from_merges(&v, &m, &["<|eot|>".to_string()]).unwrap();
        let want = e.encode("hehe<|eot|>he"); // warms the cache and the policy matcher the clone copies
        let copies: Vec<Encoder> = (0..3).map(|_| e.clone()).collect();
        let got: Vec<Vec<u32>> = std::thread::scope(|s| {
            let runs: Vec<_> = copies
                .into_iter()
                .map(|mut c| s.spawn(move || c.encode("hehe<|eot|>he")))
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).collect()
        });
        assert!(got.iter().all(|g| *g == want));
        assert_eq!(want, vec![256, 256, 257, 256]);
    }

    #[test]
    fn scanned_text_encodes_as_its_pieces_one_by_one() {
        // The x86_64 scanner runs AHEAD pieces ahead of the lookups: texts of 0 to 40 pieces (shorter and
        // longer than that window), with repeats (cache hits) and long pieces (no inline key), must give
        // each piece's ids in text order.
        let mut v = byte_vocab();
        let words: [&[u8]; 6] = [b" he", b"ll", b" hell", b"o", b" abcdefghijklmnopq", b"!"];
        let m = vec![
            (b" ".to_vec(), b"h".to_vec()),
            (b" h".to_vec(), b"e".to_vec()),
            (b"l".to_vec(), b"l".to_vec()),
            (b" he".to_vec(), b"ll".to_vec()),
        ];
        for (l, r) in &m {
            v.push([&l[..], &r[..]].concat());
        }
        let e = Encoder::from_merges(&v, &m, &[]).unwrap();
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for n in 0..40 {
            let mut text = String::new();
            for _ in 0..n {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                text.push_str(std::str::from_utf8(words[(x % 6) as usize]).unwrap());
            }
            let (mut scanned, mut alone) = (e.clone(), e.clone());
            let mut got = Vec::new();
            scanned.encode_ordinary(&text, &mut got);
            let mut want = Vec::new();
            for piece in crate::pretokenize::pretokenize(&text) {
                alone.encode_piece(piece.as_bytes(), &mut want);
            }
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn special_already_in_vocab_keeps_its_id() {
        let mut v = byte_vocab();
        v.push(b"<|eot|>".to_vec());
        let e = Encoder::from_merges(&v, &[], &["<|eot|>".to_string()]).unwrap();
        assert_eq!((e.vocab_size(), e.special_ids()), (257, &[256u32][..]));
    }
}
