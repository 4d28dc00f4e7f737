//! The pre-token → count table behind `count::PretokenCounts`: open addressing with linear probing over
//! flat 24-byte slots. A key of up to 15 bytes lives in its slot (most pre-tokens: " the", "ing", ",");
//! longer keys go to one byte arena, named by offset. Counting a seen pre-token therefore allocates
//! nothing and touches one cache line, where `HashMap<Box<[u8]>, u64>` chased a pointer to every key.
//! Leaves out deletion (counts only grow) and iteration order (unspecified, as a hash map's).

use crate::inline_key::{prefetch, word, InlineKey};

/// Tag of a slot whose key is in the arena; inline tags are `len + 1` (1..=16), empty slots 0.
const LONG: u8 = 0xff;
const K1: u64 = 0x9e37_79b9_7f4a_7c15;
const K2: u64 = 0xff51_afd7_ed55_8ccd;

#[derive(Clone, Copy, Default)]
struct Slot {
    /// Inline: the key's bytes, zero-padded, tag in byte 15. Long: arena offset (u64 LE, bytes 0..8),
    /// then the key's 64-bit hash with its top byte replaced by the tag (bytes 8..16).
    key: [u8; 16],
    count: u64,
}

impl Slot {
    #[inline(always)]
    fn words(&self) -> (u64, u64) {
        let (lo, hi) = self.key.split_at(8);
        (word(lo), word(hi))
    }

    #[inline(always)]
    fn tag(&self) -> u8 {
        self.key[15]
    }
}

/// Hash of a long key: Fx-style over 8-byte words, then a final multiply so the top bits mix.
fn hash_long(key: &[u8]) -> u64 {
    let mut h = key.len() as u64;
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        h = (h.rotate_left(5) ^ word(c)).wrapping_mul(K1);
    }
    let rest = chunks.remainder();
    let mut w = [0u8; 8];
    w[..rest.len()].copy_from_slice(rest);
    (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K2)
}

pub struct PretokenTable {
    slots: Vec<Slot>,
    /// `64 - log2(slots.len())`: the index is the hash's top bits.
    shift: u32,
    len: usize,
    arena: Vec<u8>,
    /// Slots stepped over by insertions and lookups, for tests of probe lengths.
    #[cfg(test)]
    pub probes: u64,
}

impl Default for PretokenTable {
    fn default() -> Self {
        Self::with_log2_capacity(12)
    }
}

impl PretokenTable {
    fn with_log2_capacity(bits: u32) -> Self {
        PretokenTable {
            slots: vec![Slot::default(); 1 << bits],
            shift: 64 - bits,
            len: 0,
            arena: Vec::new(),
            #[cfg(test)]
            probes: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds `n` to the count of `text[start..end]`. Taking the whole buffer lets short keys be read as
    /// two unaligned words with no copy whenever 16 bytes follow `start`.
    #[inline(always)]
    pub fn add_at(&mut self, text: &[u8], start: usize, end: usize, n: u64) {
        match InlineKey::at(text, start, end) {
            Some(key) => self.add_key(key, n),
            None => self.add_long(&text[start..end], n),
        }
    }

    pub fn add(&mut self, key: &[u8], n: u64) {
        self.add_at(key, 0, key.len(), n);
    }

    /// Asks the CPU to start loading `key`'s first slot (a no-op where there is no prefetch hint).
    #[inline(always)]
    pub fn prefetch(&self, key: &InlineKey) {
        let i = (key.hash >> self.shift) as usize & (self.slots.len() - 1);
        prefetch(self.slots.as_ptr().wrapping_add(i));
    }

    /// Adds `n` to the count of a key from `InlineKey::at` (the table may have grown since).
    #[inline(always)]
    pub fn add_key(&mut self, key: InlineKey, n: u64) {
        self.add_hashed(key.lo, key.hi, key.hash, n);
    }

    #[inline(always)]
    fn add_hashed(&mut self, lo: u64, hi: u64, hash: u64, n: u64) {
        let mask = self.slots.len() - 1;
        let mut i = (hash >> self.shift) as usize;
        // Linear probing: the hot path is one slot load and two word compares, with no key indirection.
        loop {
            let slot = &mut self.slots[i & mask];
            let (a, b) = slot.words();
            if a == lo && b == hi {
                slot.count += n;
                return;
            }
            if slot.tag() == 0 {
                let mut key = [0u8; 16];
                key[..8].copy_from_slice(&lo.to_le_bytes());
                key[8..].copy_from_slice(&hi.to_le_bytes());
                *slot = Slot { key, count: n };
                return self.grew();
            }
            i += 1;
            #[cfg(test)]
            {
                self.probes += 1;
            }
        }
    }

    #[inline(never)]
    fn add_long(&mut self, key: &[u8], n: u64) {
        let h = hash_long(key);
        let tagged = (h & !(0xff << 56)) | (u64::from(LONG) << 56);
        let mask = self.slots.len() - 1;
        let mut i = (h >> self.shift) as usize;
        loop {
            let (off, b) = self.slots[i & mask].words();
            if b == tagged && self.long_key(off) == key {
                self.slots[i & mask].count += n;
                return;
            }
            if b == 0 {
                // Stored as (u64 LE length, bytes) so a slot needs only the offset of the bytes.
                let off = self.arena.len() as u64 + 8;
                self.arena.extend_from_slice(&(key.len() as u64).to_le_bytes());
                self.arena.extend_from_slice(key);
                let mut k = [0u8; 16];
                k[..8].copy_from_slice(&off.to_le_bytes());
                k[8..].copy_from_slice(&tagged.to_le_bytes());
                self.slots[i & mask] = Slot { key: k, count: n };
                return self.grew();
            }
            i += 1;
            #[cfg(test)]
            {
                self.probes += 1;
            }
        }
    }

    /// The arena key whose bytes start at `off`; its length is stored in the 8 bytes before them.
    fn long_key(&self, off: u64) -> &[u8] {
        let off = off as usize;
        let len = off
            .checked_sub(8)
            .and_then(|s| self.arena.get(s..off))
            .map_or(0, word) as usize;
        self.arena.get(off..off + len).unwrap_or(&[])
    }

    fn slot_key<'a>(&'a self, slot: &'a Slot) -> &'a [u8] {
        match slot.tag() {
            LONG => self.long_key(slot.words().0),
            t => &slot.key[..t as usize - 1],
        }
    }

    /// Makes room for `additional` more keys without resizing. Call it before adding keys that come in
    /// another table's slot order (a serialized table): those arrive sorted by hash, and inserting them
    /// into a smaller table piles them all into one probe run, which is quadratic (measured: 2.2 s for
    /// 163k keys, against 10 ms with the room made first).
    pub fn reserve(&mut self, additional: usize) {
        let need = self.len + additional;
        let mut bits = 64 - self.shift;
        while need * 4 >= (1usize << bits) * 3 {
            bits += 1;
        }
        if bits != 64 - self.shift {
            self.rehash(bits);
        }
    }

    /// Called after an insertion: doubles the table at 3/4 load, keeping probe runs short.
    #[inline]
    fn grew(&mut self) {
        self.len += 1;
        if self.len * 4 >= self.slots.len() * 3 {
            self.resize();
        }
    }

    #[inline(never)]
    fn resize(&mut self) {
        self.rehash(64 - self.shift + 1);
    }

    fn rehash(&mut self, bits: u32) {
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); 1 << bits]);
        self.shift = 64 - bits;
        let mask = self.slots.len() - 1;
        for slot in old.into_iter().filter(|s| s.tag() != 0) {
            let (a, b) = slot.words();
            let h = if slot.tag() == LONG {
                hash_long(self.long_key(a))
            } else {
                InlineKey::new(a, b).hash
            };
            let mut i = (h >> self.shift) as usize;
            while self.slots[i & mask].tag() != 0 {
                i += 1;
            }
            self.slots[i & mask] = slot;
        }
    }

    /// Adds every count of `other`. Its keys come in slot order, i.e. at random places here: each slot is
    /// prefetched `AHEAD` keys before it is added (the order of adding is unchanged).
    #[cfg_attr(not(feature = "napi"), allow(dead_code))]
    pub fn add_table(&mut self, other: &PretokenTable) {
        const AHEAD: usize = 8;
        self.reserve(other.len); // see `reserve`: keys in another table's slot order
        let live = || other.slots.iter().filter(|s| s.tag() != 0);
        let key = |s: &Slot| -> Option<InlineKey> {
            let (lo, hi) = s.words();
            (s.tag() != LONG).then(|| InlineKey::new(lo, hi))
        };
        let mut ahead = live();
        for s in ahead.by_ref().take(AHEAD) {
            if let Some(k) = key(s) {
                self.prefetch(&k);
            }
        }
        for s in live() {
            if let Some(next) = ahead.next().and_then(key) {
                self.prefetch(&next);
            }
            match key(s) {
                Some(k) => self.add_key(k, s.count),
                None => self.add_long(other.slot_key(s), s.count),
            }
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&[u8], u64)> {
        self.slots
            .iter()
            .filter(|s| s.tag() != 0)
            .map(|s| (self.slot_key(s), s.count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn agrees_with_a_hash_map() {
        // Keys of every length around the inline limit, with shared prefixes and zero bytes, added many
        // times so the table resizes; reading near the buffer's end takes the copying path.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut ours = PretokenTable::default();
        let mut want: HashMap<Vec<u8>, u64> = HashMap::new();
        let text: Vec<u8> = (0..4000u32).map(|i| (i % 7) as u8 * 37 % 5).collect();
        for _ in 0..60_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 40) as usize;
            let start = ((state >> 8) % (text.len() - len) as u64) as usize;
            let n = (state >> 40) % 3 + 1;
            ours.add_at(&text, start, start + len, n);
            *want.entry(text[start..start + len].to_vec()).or_default() += n;
        }
        ours.add(b"", 2);
        *want.entry(Vec::new()).or_default() += 2;
        let got: HashMap<Vec<u8>, u64> = ours.iter().map(|(k, v)| (k.to_vec(), v)).collect();
        assert_eq!(ours.len(), want.len());
        assert_eq!(got, want);
    }
}
