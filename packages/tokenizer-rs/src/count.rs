//! Counting distinct pre-tokens (CS336 §2.5 "pre-tokenization"): text → special-token split →
//! GPT-2 pre-tokens → (byte string, u64 count). Counts are 64-bit because web-scale corpora overflow 32
//! bits. Tables serialize to a compact buffer so Workers can send theirs to the main thread for merging.

use crate::error::{Error, Result};
use crate::pretokenize::pretokenize;
use crate::special::{Segment, SpecialTokens};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Fx-style hasher (rustc's): keys are byte strings and pairs we produce ourselves, so std's SipHash
/// (HashDoS-resistant) buys nothing here and is about twice as slow in the counting loop.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline(always)]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
            ]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub type FxBuildHasher = BuildHasherDefault<FxHasher>;
pub type FxHashMap<K, V> = HashMap<K, V, FxBuildHasher>;

/// Distinct pre-tokens (as UTF-8 bytes) and how often each occurs.
#[derive(Default)]
pub struct PretokenCounts {
    map: FxHashMap<Box<[u8]>, u64>,
}

impl PretokenCounts {
    pub fn new() -> Self {
        Self::default()
    }

    #[inline]
    pub fn add(&mut self, word: &[u8], n: u64) {
        // Look up by slice first so the common case (a known word) allocates nothing.
        if let Some(c) = self.map.get_mut(word) {
            *c += n;
        } else {
            self.map.insert(word.into(), n);
        }
    }

    /// Counts the pre-tokens of `text`; special tokens split it and are not counted.
    pub fn add_text(&mut self, text: &str, specials: &SpecialTokens) {
        for seg in specials.split(text) {
            if let Segment::Text(t) = seg {
                for tok in pretokenize(t) {
                    self.add(tok.as_bytes(), 1);
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&[u8], u64)> {
        self.map.iter().map(|(k, &v)| (&k[..], v))
    }

    /// Serializes as repeated `u32 LE length, u64 LE count, bytes` (order unspecified).
    pub fn serialize(&self) -> Vec<u8> {
        let size: usize = self.map.keys().map(|k| 12 + k.len()).sum();
        let mut out = Vec::with_capacity(size);
        for (k, &v) in &self.map {
            out.extend_from_slice(&(k.len() as u32).to_le_bytes());
            out.extend_from_slice(&v.to_le_bytes());
            out.extend_from_slice(k);
        }
        out
    }

    /// Adds the counts of a buffer written by `serialize`.
    pub fn add_serialized(&mut self, b: &[u8]) -> Result<()> {
        let mut i = 0;
        while i < b.len() {
            let bad = Error::MalformedBuffer {
                what: "pre-token counts",
                offset: i,
            };
            let head = b.get(i..i + 12).ok_or(bad.clone())?;
            let n = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
            let mut c = [0u8; 8];
            c.copy_from_slice(&head[4..12]);
            let word = b.get(i + 12..i + 12 + n).ok_or(bad)?;
            self.add(word, u64::from_le_bytes(c));
            i += 12 + n;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
