//! Counting distinct pre-tokens (CS336 §2.5 "pre-tokenization"): text → special-token split →
//! GPT-2 pre-tokens → (byte string, u64 count). Counts are 64-bit because web-scale corpora overflow 32
//! bits. Tables serialize to a compact buffer so Workers can send theirs to the main thread for merging.
//! The counting loop scans bytes (special tokens found by `SpecialTokens::find`, pre-tokens by the
//! scanner) and never builds a `&str` or allocates per pre-token.

use crate::error::{Error, Result};
#[cfg(target_arch = "x86_64")]
use crate::inline_key::InlineKey;
use crate::pretoken_table::PretokenTable;
#[cfg(not(target_arch = "x86_64"))]
use crate::pretokenize::token_end;
#[cfg(target_arch = "x86_64")]
use crate::pretokenize::Gpt2Ends;
use crate::special::SpecialTokens;

/// Distinct pre-tokens (as UTF-8 bytes) and how often each occurs.
#[derive(Default)]
pub struct PretokenCounts {
    table: PretokenTable,
}

impl PretokenCounts {
    pub fn new() -> Self {
        Self::default()
    }

    #[inline]
    #[cfg(test)]
    pub(crate) fn add(&mut self, word: &[u8], n: u64) {
        self.table.add(word, n);
    }

    /// Counts the pre-tokens of `text`; special tokens split it and are not counted.
    pub fn add_text(&mut self, text: &str, specials: &SpecialTokens) {
        let b = text.as_bytes();
        let mut from = 0;
        while let Some((at, t)) = specials.find(b, from) {
            self.count_span(b, from, at);
            from = at + specials.tokens()[t].len();
        }
        self.count_span(b, from, b.len());
    }

    /// Counts the pre-tokens of `b[start..end]`, a run of text between special tokens.
    #[cfg(not(target_arch = "x86_64"))]
    fn count_span(&mut self, b: &[u8], start: usize, end: usize) {
        let span = &b[..end]; // the scanner's lookahead stops at the span's end
        let mut pos = start;
        // The hot loop: scan one pre-token, then one table probe that reads its bytes in place.
        while pos < end {
            let next = token_end(span, pos);
            self.table.add_at(b, pos, next, 1);
            pos = next;
        }
    }

    /// Counts the pre-tokens of `b[start..end]`, a run of text between special tokens. At millions of
    /// distinct pre-tokens the table is hundreds of megabytes and a rare pre-token's slot is a cache
    /// miss, so the scanner runs `AHEAD` pre-tokens ahead of the counting and each slot is prefetched
    /// when its key is scanned; keys are added in text order all the same (the table ends up identical).
    #[cfg(target_arch = "x86_64")]
    fn count_span(&mut self, b: &[u8], start: usize, end: usize) {
        const AHEAD: usize = 8;
        let span = &b[..end]; // the scanner's lookahead stops at the span's end
        let mut ring = [(0usize, 0usize, None); AHEAD];
        let (mut pos, mut at, mut filled) = (start, 0, 0);
        let mut ends = Gpt2Ends::default();
        while pos < end {
            let next = ends.next(span, pos);
            let key = InlineKey::at(b, pos, next);
            if let Some(k) = &key {
                self.table.prefetch(k);
            }
            if filled == AHEAD {
                let (s, e, k) = ring[at];
                self.add_scanned(b, s, e, k);
            } else {
                filled += 1;
            }
            ring[at] = (pos, next, key);
            at = (at + 1) % AHEAD;
            pos = next;
        }
        for i in 0..filled {
            let (s, e, k) = ring[(at + AHEAD - filled + i) % AHEAD];
            self.add_scanned(b, s, e, k);
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    fn add_scanned(&mut self, b: &[u8], s: usize, e: usize, key: Option<InlineKey>) {
        match key {
            Some(k) => self.table.add_key(k, 1),
            None => self.table.add_at(b, s, e, 1),
        }
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8], u64)> {
        self.table.iter()
    }

    /// Serializes as repeated `u32 LE length, u64 LE count, bytes` (order unspecified).
    pub(crate) fn serialize(&self) -> Vec<u8> {
        let size: usize = self.iter().map(|(k, _)| 12 + k.len()).sum();
        let mut out = Vec::with_capacity(size);
        for (k, v) in self.iter() {
            out.extend_from_slice(&(k.len() as u32).to_le_bytes());
            out.extend_from_slice(&v.to_le_bytes());
            out.extend_from_slice(k);
        }
        out
    }

    /// Adds the counts of a buffer written by `serialize`.
    pub(crate) fn add_serialized(&mut self, b: &[u8]) -> Result<()> {
        // Two passes: validate and count the entries, make room for them, then add them (see `reserve`).
        let mut n = 0usize;
        for e in serialized_entries(b) {
            e?;
            n += 1;
        }
        // Room for the buffer's keys alone is enough: the pile-up needs a table smaller than the one they
        // came from. Room for len + n would double the table when most keys are already here.
        self.table.reserve(n.saturating_sub(self.len()));
        for (word, count) in serialized_entries(b).flatten() {
            self.table.add(word, count);
        }
        Ok(())
    }

    /// Moves every count of `other` into this table, leaving `other` empty: `add_serialized` without the
    /// buffer, for counters in one process (the addon's threads). The smaller table goes into the larger.
    // Only the addon has counters in one address space; WASM Workers send theirs serialized.
    #[cfg_attr(not(feature = "napi"), allow(dead_code))]
    pub(crate) fn absorb(&mut self, other: &mut PretokenCounts) {
        if other.len() > self.len() {
            core::mem::swap(self, other);
        }
        self.table.add_table(&other.table);
        *other = PretokenCounts::new();
    }
}

/// The (pre-token, count) entries of a `serialize` buffer; an error names the offset of a torn entry.
fn serialized_entries(b: &[u8]) -> impl Iterator<Item = Result<(&[u8], u64)>> + '_ {
    let mut i = 0;
    core::iter::from_fn(move || {
        if i >= b.len() {
            return None;
        }
        let bad = Error::MalformedBuffer {
            what: "pre-token counts",
            offset: i,
        };
        let Some(head) = b.get(i..i + 12) else {
            i = b.len();
            return Some(Err(bad));
        };
        let n = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let mut c = [0u8; 8];
        c.copy_from_slice(&head[4..12]);
        let Some(word) = b.get(i + 12..i + 12 + n) else {
            i = b.len();
            return Some(Err(bad));
        };
        i += 12 + n;
        Some(Ok((word, u64::from_le_bytes(c))))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pretokenize::pretokenize;
    use crate::special::Segment;
    use std::collections::BTreeMap;

    #[test]
    fn counts_and_round_trip() {
        let sp = SpecialTokens::new(&["<|e|>".to_string()]).unwrap();
        let mut c = PretokenCounts::new();
        c.add_text("the cat<|e|> the cat the", &sp);
        let get = |c: &PretokenCounts, w: &str| c.iter().find(|(k, _)| *k == w.as_bytes()).map(|x| x.1);
        assert_eq!(get(&c, " the"), Some(2));
        assert_eq!(get(&c, "the"), Some(1));
        assert_eq!(get(&c, " cat"), Some(2));
        assert_eq!(get(&c, "<|e|>"), None);
        let mut d = PretokenCounts::new();
        d.add_serialized(&c.serialize()).unwrap();
        d.add_serialized(&c.serialize()).unwrap();
        assert_eq!(get(&d, " the"), Some(4));
        assert_eq!(d.len(), c.len());
        assert!(d.add_serialized(&[1, 0, 0, 0, 5]).is_err());
    }

    /// The obvious way: `SpecialTokens::split`, then the `&str` pre-tokenizer, into a std map.
    fn reference(text: &str, sp: &SpecialTokens) -> BTreeMap<Vec<u8>, u64> {
        let mut m = BTreeMap::new();
        for seg in sp.split(text) {
            if let Segment::Text(t) = seg {
                for tok in pretokenize(t) {
                    *m.entry(tok.as_bytes().to_vec()).or_default() += 1;
                }
            }
        }
        m
    }

    #[test]
    fn matches_split_then_pretokenize() {
        const PIECES: [&str; 22] = [
            "<|e|>",
            "<|e|><|e|>",
            "<|",
            "|>",
            "<",
            "e",
            " the",
            " cat",
            "  ",
            "\n",
            "\r\n",
            "é",
            "日本",
            "12",
            "'s",
            "!",
            "😀",
            " ",
            "|e",
            "a",
            "xyzzyxyzzyxyzzy!",
            "       ",
        ];
        let lists: [&[&str]; 4] = [
            &[],
            &["<|e|>"],
            &["<|e|>", "<|e|><|e|>", "|e", "e"],
            &["<", "<|e|>"],
        ];
        let mut state = 0x853c_49e6_748f_ea9bu64; // seeded xorshift
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..2000 {
            let n = next() % 40;
            let text: String = (0..n)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            let list: Vec<String> = lists[round % lists.len()].iter().map(|s| s.to_string()).collect();
            let sp = SpecialTokens::new(&list).unwrap();
            let mut c = PretokenCounts::new();
            c.add_text(&text, &sp);
            let got: BTreeMap<Vec<u8>, u64> = c.iter().map(|(k, v)| (k.to_vec(), v)).collect();
            assert_eq!(got, reference(&text, &sp), "{text:?} with {list:?}");
        }
    }

    #[test]
    fn merging_serialized_tables_keeps_probe_runs_short() {
        // A serialized table lists keys in slot order, i.e. sorted by hash; added to a smaller table
        // without `reserve` they pile into one run and merging goes quadratic.
        let mut a = PretokenCounts::new();
        for i in 0..100_000u32 {
            a.add(format!(" w{i}").as_bytes(), 1 + i as u64 % 3);
        }
        let mut b = PretokenCounts::new();
        b.add_serialized(&a.serialize()).unwrap();
        assert_eq!(b.len(), a.len());
        // About one extra slot per key at 3/4 load; the pile-up makes it thousands.
        assert!(b.table.probes < 4 * a.len() as u64, "{} probes", b.table.probes);
        let mut c = PretokenCounts::new();
        c.add(b" w7", 5);
        c.add_serialized(&b.serialize()).unwrap();
        c.add_serialized(&a.serialize()).unwrap();
        assert_eq!(c.iter().find(|(k, _)| *k == b" w7").map(|x| x.1), Some(5 + 2 + 2));
        assert!(c.table.probes < 8 * a.len() as u64, "{} probes", c.table.probes);
    }

    #[test]
    fn absorb_adds_counts_and_empties_the_other() {
        let sp = SpecialTokens::new(&["<|e|>".to_string()]).unwrap();
        let texts = ["the cat<|e|> the cat", " the dog sat", ""];
        let mut whole = PretokenCounts::new();
        whole.add_text(&texts.concat(), &sp);
        let sorted = |c: &PretokenCounts| {
            let mut v: Vec<(Vec<u8>, u64)> = c.iter().map(|(k, n)| (k.to_vec(), n)).collect();
            v.sort();
            v
        };
        // Every order of absorbing, the larger into the smaller included.
        for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2]] {
            let mut into = PretokenCounts::new();
            for i in order {
                let mut c = PretokenCounts::new();
                c.add_text(texts[i], &sp);
                into.absorb(&mut c);
                assert!(c.is_empty());
            }
            assert_eq!(sorted(&into), sorted(&whole));
        }
        // Adding a table's keys in its slot order stays about one probe per key.
        let mut a = PretokenCounts::new();
        for i in 0..100_000u32 {
            a.add(format!(" w{i}").as_bytes(), 1);
        }
        let mut b = PretokenCounts::new();
        for i in 0..60_000u32 {
            b.add(format!(" v{i}").as_bytes(), 1);
        }
        (a.table.probes, b.table.probes) = (0, 0);
        b.absorb(&mut a);
        assert_eq!(b.len(), 160_000);
        assert!(b.table.probes < 4 * 60_000, "{} probes", b.table.probes);
    }
}
