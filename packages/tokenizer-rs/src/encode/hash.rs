//! Hashing for the encoder's hot lookups: a fixed open-addressing map from a packed token pair to its
//! merge, slots picked by one FxHash multiply (the hasher for std maps is in `fxhash`). std's SipHash is
//! DoS-resistant but several times slower per lookup, and encoding does millions of these; the inputs
//! here are token ids and text the caller already controls, so hash flooding is not a threat worth paying
//! for.

use crate::fxhash::SEED;

/// What merging an adjacent pair gives: its priority (lower merges first) and the id of the merged token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Merge {
    pub rank: u32,
    pub id: u32,
}

const EMPTY: u64 = u64::MAX;

/// (left id, right id) → Merge, open addressing with linear probing at load ≤ 1/2. Deliberately not a
/// std HashMap: the key is one u64, the slot array is flat, and a miss (the common case while merging)
/// usually ends at the first empty slot.
#[derive(Clone)]
pub struct PairMap {
    keys: Vec<u64>,
    vals: Vec<Merge>,
    mask: usize,
    len: usize,
}

#[inline]
fn pack(left: u32, right: u32) -> u64 {
    ((left as u64) << 32) | right as u64
}

#[inline]
fn slot(key: u64, mask: usize) -> usize {
    // The high bits of a multiplicative hash are the well-mixed ones.
    (key.wrapping_mul(SEED) >> 32) as usize & mask
}

impl PairMap {
    pub fn with_capacity(n: usize) -> PairMap {
        let cap = (n.max(4) * 2).next_power_of_two();
        PairMap {
            keys: vec![EMPTY; cap],
            vals: vec![Merge { rank: 0, id: 0 }; cap],
            mask: cap - 1,
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    /// Empties the map, keeping its capacity.
    pub fn clear(&mut self) {
        self.keys.fill(EMPTY);
        self.len = 0;
    }

    /// Inserts unless the pair is already present with a lower (earlier) rank; returns whether it was new.
    pub fn insert_min(&mut self, left: u32, right: u32, merge: Merge) -> bool {
        if (self.len + 1) * 2 > self.keys.len() {
            self.grow();
        }
        let key = pack(left, right);
        let mut i = slot(key, self.mask);
        loop {
            let k = self.keys[i];
            if k == EMPTY {
                self.keys[i] = key;
                self.vals[i] = merge;
                self.len += 1;
                return true;
            }
            if k == key {
                if merge.rank < self.vals[i].rank {
                    self.vals[i] = merge;
                }
                return false;
            }
            i = (i + 1) & self.mask;
        }
    }

    #[inline]
    pub fn get(&self, left: u32, right: u32) -> Option<Merge> {
        let key = pack(left, right);
        let mut i = slot(key, self.mask);
        loop {
            let k = self.keys[i];
            if k == key {
                return Some(self.vals[i]);
            }
            if k == EMPTY {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }

    fn grow(&mut self) {
        let old_keys = std::mem::take(&mut self.keys);
        let old_vals = std::mem::take(&mut self.vals);
        let cap = old_keys.len() * 2;
        self.keys = vec![EMPTY; cap];
        self.vals = vec![Merge { rank: 0, id: 0 }; cap];
        self.mask = cap - 1;
        self.len = 0;
        for (k, v) in old_keys.into_iter().zip(old_vals) {
            if k != EMPTY {
                self.insert_min((k >> 32) as u32, k as u32, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_map_matches_std_map() {
        let mut ours = PairMap::with_capacity(2);
        let mut std_map = std::collections::HashMap::new();
        let mut x: u64 = 12345;
        for i in 0..20_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let (l, r) = ((x % 300) as u32, ((x >> 20) % 300) as u32);
            let m = Merge {
                rank: (x >> 40) as u32 % 1000,
                id: i,
            };
            ours.insert_min(l, r, m);
            let e = std_map.entry((l, r)).or_insert(m);
            if m.rank < e.rank {
                *e = m;
            }
        }
        assert_eq!(ours.len(), std_map.len());
        for l in 0..300 {
            for r in 0..300 {
                assert_eq!(ours.get(l, r), std_map.get(&(l, r)).copied());
            }
        }
    }
}
