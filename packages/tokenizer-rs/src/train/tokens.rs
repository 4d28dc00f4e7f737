//! Training's tokens: ids 0..=255 are the bytes, then one per merge (its two parts). Bytes serve only the
//! tie-break between equally frequent pairs, so they are kept whole up to `WHOLE` bytes and longer
//! tokens are compared through their parts: merges inside one repeated letter double the token at every
//! step ("aa", "aaaa", …), and storing each whole cost twice the run's length.

use std::cmp::Ordering;

/// Tokens up to this many bytes keep their bytes; comparing a longer one walks its parts.
const WHOLE: usize = 1024;

pub(super) struct Tokens {
    /// Bytes of each token of at most `WHOLE` bytes; empty for longer ones.
    bytes: Vec<Box<[u8]>>,
    lens: Vec<usize>,
    /// The parts of token `256 + i`.
    merges: Vec<(u32, u32)>,
}

impl Tokens {
    pub(super) fn new() -> Tokens {
        Tokens {
            bytes: (0..=255u8).map(|b| Box::from([b])).collect(),
            lens: vec![1; 256],
            merges: Vec::new(),
        }
    }

    /// Byte length of each token, by id.
    pub(super) fn lens(&self) -> &[usize] {
        &self.lens
    }

    pub(super) fn merges(&self) -> &[(u32, u32)] {
        &self.merges
    }

    /// Adds the token made of `a` then `b`; returns its id.
    pub(super) fn push(&mut self, a: u32, b: u32) -> u32 {
        let id = self.lens.len() as u32;
        let len = self.lens[a as usize] + self.lens[b as usize];
        let bytes = if len <= WHOLE {
            [&self.bytes[a as usize][..], &self.bytes[b as usize][..]]
                .concat()
                .into()
        } else {
            Box::default()
        };
        self.bytes.push(bytes);
        self.lens.push(len);
        self.merges.push((a, b));
        id
    }

    /// Compares the bytes of tokens `x` and `y`.
    #[inline]
    pub(super) fn cmp(&self, x: u32, y: u32) -> Ordering {
        let (bx, by) = (&self.bytes[x as usize], &self.bytes[y as usize]);
        if self.lens[x as usize] <= WHOLE && self.lens[y as usize] <= WHOLE {
            return bx.cmp(by);
        }
        self.cmp_parts(x, y)
    }

    #[cold]
    fn cmp_parts(&self, x: u32, y: u32) -> Ordering {
        let (mut cx, mut cy) = (self.chunks(x), self.chunks(y));
        let (mut sx, mut sy): (&[u8], &[u8]) = (&[], &[]);
        loop {
            if sx.is_empty() {
                sx = cx.next().unwrap_or_default();
            }
            if sy.is_empty() {
                sy = cy.next().unwrap_or_default();
            }
            if sx.is_empty() || sy.is_empty() {
                return sx.len().cmp(&sy.len()); // the one that ran out is a prefix of the other
            }
            let n = sx.len().min(sy.len());
            match sx[..n].cmp(&sy[..n]) {
                Ordering::Equal => (sx, sy) = (&sx[n..], &sy[n..]),
                other => return other,
            }
        }
    }

    /// The bytes of token `id` as whole tokens' slices, left to right.
    fn chunks(&self, id: u32) -> impl Iterator<Item = &[u8]> + '_ {
        let mut stack = vec![id];
        core::iter::from_fn(move || loop {
            let t = stack.pop()? as usize;
            if self.lens[t] <= WHOLE {
                return Some(&self.bytes[t][..]);
            }
            let (a, b) = self.merges[t - 256];
            stack.push(b);
            stack.push(a);
        })
    }

    #[cfg(test)]
    pub(super) fn bytes(&self, id: u32) -> Vec<u8> {
        self.chunks(id).flatten().copied().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_tokens_compare_by_their_bytes() {
        // Doublings of "a" and of "ab" past the whole-bytes limit, plus near-prefixes of them.
        let mut t = Tokens::new();
        let (mut a, mut ab) = (b'a' as u32, t.push(b'a' as u32, b'b' as u32));
        let mut ids = vec![a, ab, b'b' as u32];
        for _ in 0..13 {
            a = t.push(a, a);
            ab = t.push(ab, ab);
            ids.extend([
                a,
                ab,
                t.push(a, b'b' as u32),
                t.push(b'b' as u32, a),
                t.push(a, ab),
            ]);
        }
        assert!(t.lens[a as usize] > 4 * WHOLE);
        for &x in &ids {
            for &y in &ids {
                assert_eq!(t.cmp(x, y), t.bytes(x).cmp(&t.bytes(y)), "{x} vs {y}");
            }
        }
    }
}
