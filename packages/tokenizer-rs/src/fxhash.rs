//! Fx-style hasher (rustc's FxHash: `h = (h.rotl(5) ^ word) * SEED`, fed eight bytes at a time) for the
//! crate's std HashMaps: training's pair counts and the encoder's long-piece cache. The keys are pairs and
//! byte strings we produce ourselves or text the caller already controls, so std's SipHash (HashDoS
//! resistant) buys nothing here and is about twice as slow per lookup. Leaves out the open-addressing
//! tables (`pretoken_table`, `encode::hash::PairMap`), which hash their keys inline.

use std::hash::{BuildHasherDefault, Hasher};

/// The FxHash multiplier (rustc-hash), also used by `encode::hash::PairMap` to pick slots.
pub const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

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
        // A product's low bits depend only on the input's low bits (for a short token: its first bytes),
        // and hashbrown picks buckets by the low bits; rotating brings the well-mixed high bits down
        // (as rustc-hash 2 does). Without it, building a GPT-2 index was ~5x slower from collisions.
        self.hash.rotate_left(26)
    }
}

pub type FxBuildHasher = BuildHasherDefault<FxHasher>;
pub type FxHashMap<K, V> = std::collections::HashMap<K, V, FxBuildHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fx_hasher_distinguishes_lengths_and_content() {
        let h = |b: &[u8]| {
            let mut s = FxHasher::default();
            s.write(b);
            s.finish()
        };
        assert_ne!(h(b"abcdefgh"), h(b"abcdefgi"));
        assert_ne!(h(b"hello world, this"), h(b"hello world, thit"));
    }
}
