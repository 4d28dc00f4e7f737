//! Per-encoder memo of pre-token bytes → token ids. Natural text repeats a small set of pre-tokens
//! (" the", " and", ","), so most pieces skip the merge loop: the lookup is the encoder's hot loop.
//! Keys of up to 15 bytes (nearly every pre-token) live inside their 32-byte slot with up to 3 ids, so a
//! hit is two word compares in one cache line: no pointer chase, no memcmp call (a `HashMap<Box<[u8]>>`
//! spent most of encoding there). Longer keys and longer id lists use a map and a flat id arena. Memory is
//! bounded: past a limit everything is emptied and refills with what the text uses now (cheaper than LRU).
//!
//! With 160k distinct pre-tokens in 45 MB of English the main table is 16 MiB, and a lookup that misses the
//! caches costs more than scanning and hashing a piece. On x86_64 the encoder scans a few pieces ahead and
//! prefetches each one's slot (`prefetch`, then `push_key`). WASM has no prefetch hint: there a small
//! direct-mapped table of recent hits (128 KiB, stays in L2) sits in front instead. Each is the faster
//! of the two on its target (bench/RESULTS.md "Encoding with prefetched piece slots").

use crate::fxhash::FxHashMap;
use crate::inline_key::InlineKey;

/// Pieces longer than this are not cached. Separator lines ("=====", "-----") and indentation runs of up to a
/// few hundred bytes do repeat in real text, and each uncached one is merged again (bench/RESULTS.md "encode");
/// longer pieces rarely repeat and would only crowd the id arena.
pub const MAX_CACHED_PIECE: usize = 256;
const INLINE_IDS: usize = 3;
const MIN_SLOTS: usize = 1 << 12;
/// 32 MiB of slots at most (allocated by doubling as entries come); entries beyond half of it empty the
/// cache. 8 MiB emptied it every ~35 MB of the benchmark's English (160k distinct pre-tokens), and each
/// refill merged everything again: 750 k merges instead of 180 k in 182 MB, a third of the encode time.
const MAX_SLOTS: usize = 1 << 20;
const MAX_IDS: usize = 1 << 20;
const MAX_LONG: usize = 1 << 15;
#[cfg(not(target_arch = "x86_64"))]
const HOT_BITS: u32 = 12;

/// A key's words (`InlineKey`: `hi` is never 0 for a key, so 0 marks an empty slot) and its `n` ids, in
/// `ids` or (n > 3) at `ids[0]` in the arena. Aligned so a slot never straddles two cache lines.
#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
struct Slot {
    lo: u64,
    hi: u64,
    ids: [u32; INLINE_IDS],
    n: u32,
}

impl Slot {
    #[inline(always)]
    fn holds(&self, k: &InlineKey) -> bool {
        self.hi == k.hi && self.lo == k.lo
    }
}

#[derive(Clone)]
pub struct PieceCache {
    #[cfg(not(target_arch = "x86_64"))]
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
            #[cfg(not(target_arch = "x86_64"))]
            hot: vec![Slot::default(); 1 << HOT_BITS],
            slots: vec![Slot::default(); MIN_SLOTS],
            shift: 64 - MIN_SLOTS.trailing_zeros(),
            len: 0,
            arena: Vec::new(),
            long: FxHashMap::default(),
        }
    }
}

impl PieceCache {
    /// Appends the ids of `piece` to `out` if it is cached; false if not.
    #[inline]
    pub fn push(&mut self, piece: &[u8], out: &mut Vec<u32>) -> bool {
        match InlineKey::of(piece) {
            Some(k) => self.push_key(&k, out),
            None => match self.long.get(piece) {
                Some(&(start, len)) => {
                    push_ids(&self.arena[start as usize..(start + len) as usize], out);
                    true
                }
                None => false,
            },
        }
    }

    /// Asks the CPU to start loading the slot of `k`, a few pieces before `push_key(k)`.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub fn prefetch(&self, k: &InlineKey) {
        crate::inline_key::prefetch(self.slots.as_ptr().wrapping_add((k.hash >> self.shift) as usize));
    }

    /// Appends the ids of the piece whose key is `k` to `out` if it is cached; false if not.
    #[inline(always)]
    pub fn push_key(&mut self, k: &InlineKey, out: &mut Vec<u32>) -> bool {
        #[cfg(not(target_arch = "x86_64"))]
        let s = {
            let at = (k.hash >> (64 - HOT_BITS)) as usize;
            if !self.hot[at].holds(k) {
                let Some(&found) = self.find(k) else {
                    return false;
                };
                self.hot[at] = found;
            }
            &self.hot[at]
        };
        #[cfg(target_arch = "x86_64")]
        let Some(s) = self.find(k) else {
            return false;
        };
        let n = s.n as usize;
        push_ids(
            if n <= INLINE_IDS {
                &s.ids[..n]
            } else {
                &self.arena[s.ids[0] as usize..s.ids[0] as usize + n]
            },
            out,
        );
        true
    }

    #[inline(always)]
    fn find(&self, k: &InlineKey) -> Option<&Slot> {
        let mask = self.slots.len() - 1;
        let mut i = (k.hash >> self.shift) as usize;
        loop {
            let s = &self.slots[i];
            if s.holds(k) {
                return Some(s);
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
        let Some(k) = InlineKey::of(piece) else {
            let start = self.push_arena(ids);
            self.long.insert(piece.into(), (start, ids.len() as u32));
            return;
        };
        if (self.len + 1) * 2 > self.slots.len() {
            if self.slots.len() < MAX_SLOTS {
                self.grow();
            } else {
                self.clear();
            }
        }
        let mut slot = Slot {
            lo: k.lo,
            hi: k.hi,
            n: ids.len() as u32,
            ..Slot::default()
        };
        if ids.len() <= INLINE_IDS {
            slot.ids[..ids.len()].copy_from_slice(ids);
        } else {
            slot.ids[0] = self.push_arena(ids);
        }
        self.place(slot, k.hash);
    }

    fn push_arena(&mut self, ids: &[u32]) -> u32 {
        let start = self.arena.len() as u32;
        self.arena.extend_from_slice(ids);
        start
    }

    fn place(&mut self, slot: Slot, hash: u64) {
        let mask = self.slots.len() - 1;
        let mut i = (hash >> self.shift) as usize;
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
            self.place(s, InlineKey::new(s.lo, s.hi).hash);
        }
    }

    pub fn clear(&mut self) {
        #[cfg(not(target_arch = "x86_64"))]
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

/// Most pieces are one token: a push, where a slice of unknown length calls memcpy.
#[inline(always)]
fn push_ids(ids: &[u32], out: &mut Vec<u32>) {
    match *ids {
        [id] => out.push(id),
        _ => out.extend_from_slice(ids),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inline_key::INLINE;

    /// The ids `push` appends for `piece`, if cached.
    fn get(c: &mut PieceCache, piece: &[u8]) -> Option<Vec<u32>> {
        let mut out = vec![7];
        c.push(piece, &mut out).then(|| out[1..].to_vec())
    }

    #[test]
    fn hit_returns_what_was_stored_and_stays_bounded() {
        let mut c = PieceCache::default();
        c.insert(b" the", &[262]);
        c.insert(b"ing", &[278, 1]);
        c.insert(b"abcdefghijklmnop-long", &[1, 2, 3, 4, 5]);
        c.insert(b"abcdefgh", &[7, 8, 9, 10]);
        assert_eq!(get(&mut c, b" the"), Some([262u32].to_vec()));
        assert_eq!(get(&mut c, b"ing"), Some([278u32, 1].to_vec()));
        assert_eq!(
            get(&mut c, b"abcdefghijklmnop-long"),
            Some([1u32, 2, 3, 4, 5].to_vec())
        );
        assert_eq!(get(&mut c, b"abcdefgh"), Some([7u32, 8, 9, 10].to_vec()));
        assert_eq!(get(&mut c, b"the"), None);
        assert_eq!(get(&mut c, b"ing\0"), None);
        for i in 0..(MAX_SLOTS as u32) {
            c.insert(&i.to_le_bytes(), &[i]);
        }
        assert!(c.len() <= MAX_SLOTS / 2);
        let k = (MAX_SLOTS as u32 - 1).to_le_bytes();
        assert_eq!(get(&mut c, &k), Some([MAX_SLOTS as u32 - 1].to_vec()));
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
            assert_eq!(get(&mut c, k), Some(vec![i as u32; 1 + i % 5]), "{k:?}");
        }
    }
}
