//! Per-encoder memo of pre-token bytes → token ids. Natural text repeats a small set of pre-tokens
//! (" the", " and", ","), so most pieces skip the merge loop: the hit path is the encoder's hot loop.
//! Keys of up to 15 bytes (nearly every pre-token) live inside their 32-byte slot with up to 3 ids, so a
//! hit is two word compares in one cache line: no pointer chase, no memcmp call (a `HashMap<Box<[u8]>>`
//! spent most of encoding there). Longer keys and longer id lists use a map and a flat id arena. Memory is
//! bounded: past a limit everything is emptied and refills with what the text uses now (cheaper than LRU).
//! A small direct-mapped table of recent hits sits in front (128 KiB, stays in L2): with 50k distinct
//! pre-tokens the main table is megabytes, and a miss to memory per lookup was half the encode time.

use crate::fxhash::FxHashMap;

/// Pieces longer than this are not cached. Separator lines ("=====", "-----") and indentation runs of up to a
/// few hundred bytes do repeat in real text, and each uncached one is merged again (bench/RESULTS.md "encode");
/// longer pieces rarely repeat and would only crowd the id arena.
pub const MAX_CACHED_PIECE: usize = 256;
const INLINE: usize = 15;
const INLINE_IDS: usize = 3;
const MIN_SLOTS: usize = 1 << 12;
/// 32 MiB of slots at most (allocated by doubling as entries come); entries beyond half of it empty the
/// cache. 8 MiB emptied it every ~35 MB of the benchmark's English (160k distinct pre-tokens), and each
/// refill merged everything again: 750 k merges instead of 180 k in 182 MB, a third of the encode time.
const MAX_SLOTS: usize = 1 << 20;
const MAX_IDS: usize = 1 << 20;
const MAX_LONG: usize = 1 << 15;
const HOT_BITS: u32 = 12;
const K1: u64 = 0x9e37_79b9_7f4a_7c15;
const K2: u64 = 0xff51_afd7_ed55_8ccd;

/// `hi` holds key bytes 8..15 with the tag `len + 1` in its top byte, so 0 marks an empty slot and keys
/// that differ only by trailing zero bytes differ. `n` ids sit in `ids`, or (n > 3) at `ids[0]` in the arena.
#[derive(Clone, Copy, Default)]
struct Slot {
    lo: u64,
    hi: u64,
    ids: [u32; INLINE_IDS],
    n: u32,
}

#[derive(Clone)]
pub struct PieceCache {
    hot: Vec<Slot>,
    slots: Vec<Slot>,
    shift: u32,
    len: usize,
    arena: Vec<u32>,
    long: FxHashMap<Box<[u8]>, (u32, u32)>,
}

impl Default for PieceCache {
    fn default() -> Self {
        PieceCache {
            hot: vec![Slot::default(); 1 << HOT_BITS],
            slots: vec![Slot::default(); MIN_SLOTS],
            shift: 64 - MIN_SLOTS.trailing_zeros(),
            len: 0,
            arena: Vec::new(),
            long: FxHashMap::default(),
        }
    }
}

#[inline(always)]
fn le(b: &[u8], at: usize, n: usize) -> u64 {
    let mut w = 0u64;
    for (k, &x) in b[at..at + n].iter().enumerate() {
        w |= (x as u64) << (8 * k);
    }
    w
}

#[inline(always)]
fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(w)
}

/// The key words of a piece of at most 15 bytes, read with (overlapping) fixed-size loads.
#[inline(always)]
fn key(p: &[u8]) -> (u64, u64) {
    let n = p.len();
    let tag = ((n as u64) + 1) << 56;
    if n >= 8 {
        // Bytes n-8..n, shifted so bytes 8..n land at the bottom (the overlap with `lo` falls off).
        let hi = if n == 8 {
            0
        } else {
            u64_at(p, n - 8) >> (8 * (16 - n))
        };
        (u64_at(p, 0), hi | tag)
    } else if n >= 4 {
        let a = le(p, 0, 4);
        let b = le(p, n - 4, 4) << (8 * (n - 4));
        (a | b, tag)
    } else {
        (le(p, 0, n), tag)
    }
}

#[inline(always)]
fn hash(lo: u64, hi: u64) -> u64 {
    (lo.wrapping_mul(K1).rotate_left(29) ^ hi).wrapping_mul(K2)
}

impl PieceCache {
    #[inline]
    pub fn get(&mut self, piece: &[u8]) -> Option<&[u32]> {
        if piece.len() > INLINE {
            let &(start, len) = self.long.get(piece)?;
            return Some(&self.arena[start as usize..(start + len) as usize]);
        }
        let (lo, hi) = key(piece);
        let h = hash(lo, hi);
        let at = (h >> (64 - HOT_BITS)) as usize;
        let s = self.hot[at];
        if !(s.hi == hi && s.lo == lo) {
            let found = self.find(lo, hi, h)?;
            self.hot[at] = found;
        }
        let s = &self.hot[at];
        let n = s.n as usize;
        Some(if n <= INLINE_IDS {
            &s.ids[..n]
        } else {
            &self.arena[s.ids[0] as usize..s.ids[0] as usize + n]
        })
    }

    #[inline]
    fn find(&self, lo: u64, hi: u64, h: u64) -> Option<Slot> {
        let mask = self.slots.len() - 1;
        let mut i = (h >> self.shift) as usize;
        loop {
            let s = &self.slots[i];
            if s.hi == hi && s.lo == lo {
                return Some(*s);
            }
            if s.hi == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    pub fn insert(&mut self, piece: &[u8], ids: &[u32]) {
        if piece.len() > MAX_CACHED_PIECE || ids.is_empty() {
            return;
        }
        if self.arena.len() + ids.len() > MAX_IDS || self.long.len() >= MAX_LONG {
            self.clear();
        }
        if piece.len() > INLINE {
            let start = self.push_arena(ids);
            self.long.insert(piece.into(), (start, ids.len() as u32));
            return;
        }
        if (self.len + 1) * 2 > self.slots.len() {
            if self.slots.len() < MAX_SLOTS {
                self.grow();
            } else {
                self.clear();
            }
        }
        let mut slot = Slot {
            n: ids.len() as u32,
            ..Slot::default()
        };
        (slot.lo, slot.hi) = key(piece);
        if ids.len() <= INLINE_IDS {
            slot.ids[..ids.len()].copy_from_slice(ids);
        } else {
            slot.ids[0] = self.push_arena(ids);
        }
        self.place(slot);
    }

    fn push_arena(&mut self, ids: &[u32]) -> u32 {
        let start = self.arena.len() as u32;
        self.arena.extend_from_slice(ids);
        start
    }

    fn place(&mut self, slot: Slot) {
        let mask = self.slots.len() - 1;
        let mut i = (hash(slot.lo, slot.hi) >> self.shift) as usize;
        loop {
            let s = &mut self.slots[i];
            if s.hi == 0 {
                *s = slot;
                self.len += 1;
                return;
            }
            if s.hi == slot.hi && s.lo == slot.lo {
                return;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let doubled = vec![Slot::default(); self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, doubled);
        self.shift -= 1;
        self.len = 0;
        for s in old.into_iter().filter(|s| s.hi != 0) {
            self.place(s);
        }
    }

    pub fn clear(&mut self) {
        self.hot.fill(Slot::default());
        self.slots.fill(Slot::default());
        self.len = 0;
        self.arena.clear();
        self.long.clear();
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len + self.long.len()
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
        c.insert(b"abcdefghijklmnop-long", &[1, 2, 3, 4, 5]);
        c.insert(b"abcdefgh", &[7, 8, 9, 10]);
        assert_eq!(c.get(b" the"), Some(&[262u32][..]));
        assert_eq!(c.get(b"ing"), Some(&[278u32, 1][..]));
        assert_eq!(c.get(b"abcdefghijklmnop-long"), Some(&[1u32, 2, 3, 4, 5][..]));
        assert_eq!(c.get(b"abcdefgh"), Some(&[7u32, 8, 9, 10][..]));
        assert_eq!(c.get(b"the"), None);
        assert_eq!(c.get(b"ing\0"), None);
        for i in 0..(MAX_SLOTS as u32) {
            c.insert(&i.to_le_bytes(), &[i]);
        }
        assert!(c.len() <= MAX_SLOTS / 2);
        let k = (MAX_SLOTS as u32 - 1).to_le_bytes();
        assert_eq!(c.get(&k), Some(&[MAX_SLOTS as u32 - 1][..]));
    }

    #[test]
    fn keys_of_every_length_and_content_are_distinct() {
        // Every inline length, with zero bytes and prefixes of one another: no two may collide.
        let mut keys: Vec<Vec<u8>> = Vec::new();
        let mut x: u64 = 1;
        for len in 1..=INLINE + 3 {
            for v in 0..40u8 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                keys.push(
                    (0..len)
                        .map(|k| if v % 5 == 0 { 0 } else { (x >> (k * 3)) as u8 % 4 })
                        .collect(),
                );
            }
        }
        keys.sort();
        keys.dedup();
        let mut c = PieceCache::default();
        for (i, k) in keys.iter().enumerate() {
            c.insert(k, &vec![i as u32; 1 + i % 5]);
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(c.get(k), Some(&vec![i as u32; 1 + i % 5][..]), "{k:?}");
        }
    }
}
