//! Per-encoder memo of pre-token bytes → token ids. Natural text repeats a small set of pre-tokens
//! (" the", " and", ","), so most pieces skip the merge loop entirely. Ids live in one flat Vec and the map
//! holds (start, len) into it, so a hit allocates nothing. Memory is bounded: past either limit the cache
//! is emptied and refills with what the text uses now (a cheap stand-in for LRU, which costs per hit).

use crate::encode_hash::FxHashMap;

/// Pieces longer than this are not cached: long runs (whitespace, digits, a URL) rarely repeat.
pub const MAX_CACHED_PIECE: usize = 64;
const MAX_ENTRIES: usize = 1 << 17;
const MAX_IDS: usize = 1 << 20;

#[derive(Default)]
pub struct PieceCache {
    map: FxHashMap<Box<[u8]>, (u32, u32)>,
    ids: Vec<u32>,
}

impl PieceCache {
    #[inline]
    pub fn get(&self, piece: &[u8]) -> Option<&[u32]> {
        let &(start, len) = self.map.get(piece)?;
        Some(&self.ids[start as usize..(start + len) as usize])
    }

    pub fn insert(&mut self, piece: &[u8], ids: &[u32]) {
        if piece.len() > MAX_CACHED_PIECE {
            return;
        }
        if self.map.len() >= MAX_ENTRIES || self.ids.len() + ids.len() > MAX_IDS {
            self.clear();
        }
        let start = self.ids.len() as u32;
        self.ids.extend_from_slice(ids);
        self.map.insert(piece.into(), (start, ids.len() as u32));
    }

    pub fn clear(&mut self) {
        self.map.clear();
        self.ids.clear();
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_returns_what_was_stored_and_stays_bounded() {
        let mut c = PieceCache::default();
        c.insert(b" the", &[262]);
        c.insert(b"ing", &[278, 1]);
        assert_eq!(c.get(b" the"), Some(&[262u32][..]));
        assert_eq!(c.get(b"ing"), Some(&[278u32, 1][..]));
        assert_eq!(c.get(b"the"), None);
        for i in 0..(MAX_ENTRIES as u32 + 10) {
            c.insert(&i.to_le_bytes(), &[i]);
        }
        assert!(c.len() <= MAX_ENTRIES);
        let k = (MAX_ENTRIES as u32 + 9).to_le_bytes();
        assert_eq!(c.get(&k), Some(&[MAX_ENTRIES as u32 + 9][..]));
    }
}
