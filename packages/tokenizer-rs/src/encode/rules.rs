//! Where an encoder's pair merges come from. A merges-based tokenizer (CS336, GPT-2 `merges.txt`, HF
//! `tokenizer.json`) has an explicit, complete table built at load. A rank-based one (tiktoken) merges
//! any two adjacent parts whose concatenation is a token, ranked by that token: as in tiktoken's own
//! `byte_pair_merge`, that is a lookup of the concatenated bytes, so the load builds no pair table at all
//! (deriving all of GPT-2's pairs up front cost ~250k lookups, most of the load). Encoding looks ranks
//! up on subslices of the pre-token (`merge::merge_slices`); the pair form here, memoized in a
//! bounded map with the eager table's layout (absent pairs too), serves pieces too long for that.

use crate::encode::hash::{Merge, PairMap};
use crate::encode::index::TokenIndex;
use crate::encode::VocabTable;

/// Merge memo entries before the memo is emptied (each slot is 16 bytes at load ≤ 1/2).
const MAX_MEMO: usize = 1 << 18;
const ABSENT: Merge = Merge {
    rank: u32::MAX,
    id: u32::MAX,
};

#[derive(Clone)]
pub enum MergeRules {
    Table(PairMap),
    Ranks {
        /// Token bytes → id (= rank) over every ranked token; specials are not merge results.
        index: TokenIndex,
        /// Tokens with ids below this are ranked (merge results); the rest are special tokens.
        ranked: u32,
        memo: PairMap,
        joined: Vec<u8>,
        /// The rank of each two-byte token by its bytes (`b0 << 8 | b1`), `u32::MAX` for none: a piece's
        /// first pass looks up every adjacent byte pair, and one load here replaces hashing the pair and
        /// comparing it with the token's bytes (`TokenIndex::get`). Built on the first merge (256 KiB).
        byte_pairs: Vec<u32>,
    },
}

impl MergeRules {
    pub fn ranks(index: TokenIndex, ranked: u32) -> MergeRules {
        MergeRules::Ranks {
            index,
            ranked,
            memo: PairMap::with_capacity(1 << 12),
            joined: Vec::with_capacity(64),
            byte_pairs: Vec::new(),
        }
    }

    /// The merge of adjacent tokens (left, right), if any.
    #[inline]
    pub fn get(&mut self, vocab: &VocabTable, left: u32, right: u32) -> Option<Merge> {
        match self {
            MergeRules::Table(t) => t.get(left, right),
            MergeRules::Ranks {
                index,
                ranked,
                memo,
                joined,
                ..
            } => {
                if let Some(m) = memo.get(left, right) {
                    return (m.rank != ABSENT.rank).then_some(m);
                }
                let m = derive(vocab, index, *ranked, joined, left, right);
                if memo.len() >= MAX_MEMO {
                    memo.clear();
                }
                memo.insert_min(left, right, m.unwrap_or(ABSENT));
                m
            }
        }
    }
}

#[cold]
fn derive(
    vocab: &VocabTable,
    index: &TokenIndex,
    ranked: u32,
    joined: &mut Vec<u8>,
    left: u32,
    right: u32,
) -> Option<Merge> {
    joined.clear();
    joined.extend_from_slice(vocab.get(left)?);
    joined.extend_from_slice(vocab.get(right)?);
    let id = index.get(vocab, joined)?;
    (id < ranked).then_some(Merge { rank: id, id })
}

/// `byte_pairs` of `MergeRules::Ranks`: the lowest ranked id of each two-byte token.
pub fn byte_pair_ranks(vocab: &VocabTable, ranked: u32) -> Vec<u32> {
    let mut t = vec![u32::MAX; 1 << 16];
    for id in 0..ranked.min(vocab.len() as u32) {
        if let Some(&[a, b]) = vocab.get(id) {
            let slot = &mut t[(a as usize) << 8 | b as usize];
            *slot = (*slot).min(id);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lazy_rank_merges_equal_the_eager_derivation() {
        let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        for t in [&b"ab"[..], b"abc", b"bc", b"cab", b"abca", b"ca"] {
            tokens.push(t.to_vec());
        }
        let ranked = tokens.len() as u32;
        tokens.push(b"<s>".to_vec()); // a special token: never a merge result
        let vocab = VocabTable::from_tokens(&tokens).unwrap();
        let mut rules = MergeRules::ranks(TokenIndex::build(&vocab), ranked);
        for l in 0..tokens.len() as u32 {
            for r in 0..tokens.len() as u32 {
                let joined = [tokens[l as usize].clone(), tokens[r as usize].clone()].concat();
                let want = tokens[..ranked as usize]
                    .iter()
                    .position(|t| *t == joined)
                    .map(|id| Merge {
                        rank: id as u32,
                        id: id as u32,
                    });
                // Twice: the second answer comes from the memo.
                assert_eq!(rules.get(&vocab, l, r), want, "({l}, {r})");
                assert_eq!(rules.get(&vocab, l, r), want, "({l}, {r}) memoized");
            }
        }
        assert_eq!(rules.get(&vocab, b'<' as u32, b's' as u32), None);
    }

    #[test]
    fn byte_pair_ranks_equal_the_index_for_every_pair() {
        // A duplicate two-byte token keeps its lowest id; a two-byte special token is no rank.
        let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        for t in [&b"ab"[..], b" t", b"abc", b"ab", b"\xff\x00", b"zz"] {
            tokens.push(t.to_vec());
        }
        let ranked = tokens.len() as u32;
        tokens.push(b"<>".to_vec());
        let vocab = VocabTable::from_tokens(&tokens).unwrap();
        let index = TokenIndex::build(&vocab);
        let t = byte_pair_ranks(&vocab, ranked);
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let want = index
                    .get(&vocab, &[a, b])
                    .filter(|&id| id < ranked)
                    .unwrap_or(u32::MAX);
                assert_eq!(t[(a as usize) << 8 | b as usize], want, "{a} {b}");
            }
        }
        assert_eq!(t[(b'a' as usize) << 8 | b'b' as usize], 256);
        assert_eq!(t[(b'<' as usize) << 8 | b'>' as usize], u32::MAX);
    }
}
