//! Token bytes → id, as an open-addressing table of ids over the vocab's own flat byte store (no key
//! copies, no per-token allocation). Built on every tokenizer load, so it is the one index the load pays
//! for: 50k inserts for GPT-2. Each slot packs (32 hash bits, id) so a probe compares bytes only when the
//! hash bits already agree. Duplicate tokens keep the lowest id, as tiktoken and HF do.

use crate::encode::VocabTable;

const EMPTY: u64 = u64::MAX;

#[derive(Clone)]
pub struct TokenIndex {
    slots: Vec<u64>,
    mask: usize,
    duplicates: usize,
}

/// Hash of a token from at most two overlapping 8-byte loads and its length: a GPT-2 load hashes 50k
/// tokens before the engine has optimized anything, and encoding hashes every derived pair. Tokens that
/// share their first and last 8 bytes collide, which costs a probe, never a wrong answer.
#[inline]
pub fn hash_bytes(b: &[u8]) -> u64 {
    let n = b.len();
    let (x, y) = if n >= 8 {
        (word(b, 0, 8), word(b, n - 8, 8))
    } else if n >= 4 {
        (word(b, 0, 4), word(b, n - 4, 4))
    } else {
        (word(b, 0, n), 0)
    };
    ((x ^ (n as u64) << 59).wrapping_mul(K1).rotate_left(29) ^ y).wrapping_mul(K2)
}

#[inline(always)]
fn word(b: &[u8], at: usize, n: usize) -> u64 {
    let mut w = [0u8; 8];
    w[..n].copy_from_slice(&b[at..at + n]);
    u64::from_le_bytes(w)
}

/// `a == b` without a memcmp call for tokens of up to 16 bytes (nearly all of them): the same two
/// overlapping loads `hash_bytes` makes. Encoding a rank vocab compares a token per pair lookup.
#[inline(always)]
fn same(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n > 16 {
        return a == b;
    }
    let (x, y) = if n >= 8 {
        (
            word(a, 0, 8) ^ word(b, 0, 8),
            word(a, n - 8, 8) ^ word(b, n - 8, 8),
        )
    } else if n >= 4 {
        (
            word(a, 0, 4) ^ word(b, 0, 4),
            word(a, n - 4, 4) ^ word(b, n - 4, 4),
        )
    } else {
        (word(a, 0, n) ^ word(b, 0, n), 0)
    };
    x | y == 0
}

const K1: u64 = 0x9e37_79b9_7f4a_7c15;
const K2: u64 = 0xff51_afd7_ed55_8ccd;

impl TokenIndex {
    /// Indexes ids 0..vocab.len() in order. Kept out of line and small, like `ranks`' hot loop: the
    /// engine's optimizing tier recompiles whichever function holds it.
    #[inline(never)]
    pub fn build(vocab: &VocabTable) -> TokenIndex {
        let cap = (vocab.len().max(4) * 2).next_power_of_two();
        let mut index = TokenIndex {
            slots: vec![EMPTY; cap],
            mask: cap - 1,
            duplicates: 0,
        };
        for id in 0..vocab.len() as u32 {
            if let Some(t) = vocab.get(id) {
                index.insert(vocab, t, id);
            }
        }
        index
    }

    fn insert(&mut self, vocab: &VocabTable, token: &[u8], id: u32) {
        let h = hash_bytes(token);
        let tag = h & 0xffff_ffff;
        let mut i = (h >> 32) as usize & self.mask;
        loop {
            let s = self.slots[i];
            if s == EMPTY {
                self.slots[i] = (tag << 32) | id as u64;
                return;
            }
            if s >> 32 == tag && vocab.get(s as u32) == Some(token) {
                self.duplicates += 1; // a lower id already has these bytes
                return;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// How many ids repeat the bytes of a lower id.
    pub fn duplicates(&self) -> usize {
        self.duplicates
    }

    /// The lowest id whose bytes are `token`.
    #[inline]
    pub fn get(&self, vocab: &VocabTable, token: &[u8]) -> Option<u32> {
        let h = hash_bytes(token);
        let tag = h & 0xffff_ffff;
        let mut i = (h >> 32) as usize & self.mask;
        loop {
            let s = self.slots[i];
            if s == EMPTY {
                return None;
            }
            if s >> 32 == tag && vocab.get(s as u32).is_some_and(|t| same(t, token)) {
                return Some(s as u32);
            }
            i = (i + 1) & self.mask;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_token_and_keeps_the_first_duplicate() {
        let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        let mut x: u64 = 7;
        for _ in 0..5000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = 2 + (x % 12) as usize;
            tokens.push((0..len).map(|i| (x >> (i * 5)) as u8 % 7 + b'a').collect());
        }
        tokens.push(b"ab".to_vec());
        tokens.push(b"ab".to_vec());
        let vocab = VocabTable::from_tokens(&tokens).unwrap();
        let index = TokenIndex::build(&vocab);
        let distinct: std::collections::HashSet<&Vec<u8>> = tokens.iter().collect();
        assert_eq!(index.duplicates(), tokens.len() - distinct.len());
        for (id, t) in tokens.iter().enumerate() {
            let first = tokens.iter().position(|u| u == t).unwrap() as u32;
            assert_eq!(index.get(&vocab, t), Some(first), "token {id}");
        }
        assert_eq!(index.get(&vocab, b""), None);
        assert_eq!(index.get(&vocab, b"zzzzzzzzzzzzzzzzzzzz"), None);
        assert_eq!(index.get(&vocab, b"a\0"), None);
    }
}
