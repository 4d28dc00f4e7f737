//! Byte strings of up to 15 bytes as two little-endian words plus a hash: the form in which both
//! byte-keyed tables keep their short keys inside the slot (the pre-token counts, `pretoken_table`, and
//! the encoder's piece cache, `encode/cache`), so a probe is two word compares in one cache line. `hi`
//! holds bytes 8..15 and the tag `len + 1` in its top byte: 0 is never a key (tables mark empty slots
//! with it), and keys that differ only by trailing zero bytes differ.

/// Keys up to this many bytes fit in two words beside their tag.
pub const INLINE: usize = 15;

const K1: u64 = 0x9e37_79b9_7f4a_7c15;
const K2: u64 = 0xff51_afd7_ed55_8ccd;

/// Bytes 0..=7 of a key kept by `LO_MASK[len]`, bytes 8..=14 by `HI_MASK[len]`.
const LO_MASK: [u64; 16] = {
    let mut m = [u64::MAX; 16];
    let mut n = 0;
    while n < 8 {
        m[n] = (1u64 << (8 * n)) - 1;
        n += 1;
    }
    m
};
const HI_MASK: [u64; 16] = {
    let mut m = [0u64; 16];
    let mut n = 9;
    while n < 16 {
        m[n] = (1u64 << (8 * (n - 8))) - 1;
        n += 1;
    }
    m
};

#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
pub struct InlineKey {
    pub lo: u64,
    pub hi: u64,
    /// Tables index by the top bits.
    pub hash: u64,
}

impl InlineKey {
    /// From the two words of a stored key (multiply, fold the high half down, multiply).
    #[inline(always)]
    pub fn new(lo: u64, hi: u64) -> InlineKey {
        InlineKey {
            lo,
            hi,
            hash: (lo.wrapping_mul(K1).rotate_left(29) ^ hi).wrapping_mul(K2),
        }
    }

    /// `text[start..end]` as a key, or `None` when it is longer than `INLINE`. Taking the whole buffer
    /// lets the key be read as two unaligned words with no copy whenever 16 bytes follow `start`.
    #[inline(always)]
    pub fn at(text: &[u8], start: usize, end: usize) -> Option<InlineKey> {
        let len = end - start;
        if len > INLINE {
            return None;
        }
        let (lo, hi) = match text.get(start..start + 16) {
            Some(w) => (word(w), word(&w[8..])),
            None => {
                let mut w = [0u8; 16];
                w[..len].copy_from_slice(&text[start..end]);
                (word(&w), word(&w[8..]))
            }
        };
        let lo = lo & LO_MASK[len];
        let hi = (hi & HI_MASK[len]) | ((len as u64 + 1) << 56);
        Some(InlineKey::new(lo, hi))
    }

    /// `key` as a key, or `None` when it is longer than `INLINE`.
    #[inline(always)]
    pub fn of(key: &[u8]) -> Option<InlineKey> {
        InlineKey::at(key, 0, key.len())
    }
}

/// The first 8 bytes of `b`, little-endian.
#[inline(always)]
pub fn word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

/// Asks the CPU to start loading the cache line at `p` (a no-op where there is no prefetch hint, as in
/// WASM). Loops over tables too large for the caches scan a few keys ahead and prefetch each one's slot.
#[inline(always)]
pub fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch is only a hint: it never faults, whatever the address, and reads nothing
        // into the program.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast()) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_in_place_equal_keys_read_alone_and_differ_by_length() {
        let text = b"abcdefghijklmnopqrstuvwxyz\0\0\0\0";
        let mut seen = Vec::new();
        for start in 0..text.len() {
            for end in start..=text.len() {
                let want = InlineKey::of(&text[start..end]);
                assert_eq!(InlineKey::at(text, start, end), want, "{start}..{end}");
                assert_eq!(want.is_none(), end - start > INLINE);
                if let Some(k) = want {
                    assert_ne!(k.hi, 0);
                    seen.push((k.lo, k.hi, text[start..end].to_vec()));
                }
            }
        }
        // Equal words mean equal bytes: "\0", "\0\0", ... and every other pair of distinct keys differ.
        seen.sort();
        for w in seen.windows(2) {
            assert!(
                (w[0].0, w[0].1) != (w[1].0, w[1].1) || w[0].2 == w[1].2,
                "{:?}",
                w[0].2
            );
        }
    }
}
