//! Lists of positions in a long symbol sequence, stored compactly: each position as the LEB128 varint of
//! its (zigzag) distance from the previous one, and a run of equal distances as one record. The lists of
//! long pre-tokens (training's pair positions, the encoder's rank buckets) are appended in ascending order
//! almost always, so most distances take a byte, and the runs of one repeated letter ("aaaa…": every
//! position, then every second one) take a few bytes in all, where `Vec<u32>` took 4 bytes a position.

#[derive(Default)]
pub(crate) struct PosList {
    /// Records: `zigzag(step) << 1 | (repeats > 1)`, then `repeats - 2` when the flag is set.
    bytes: Vec<u8>,
    /// The last position pushed (the end of the pending run).
    last: u64,
    /// The pending run, not yet in `bytes`: `run` positions, each `step` after the one before.
    step: i64,
    run: u64,
    /// Some position was pushed below the one before it (encoder buckets only).
    unsorted: bool,
}

fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get(b: &[u8], at: &mut usize) -> u64 {
    let (mut v, mut shift) = (0u64, 0);
    loop {
        let x = b[*at];
        *at += 1;
        v |= u64::from(x & 0x7f) << shift;
        if x < 0x80 {
            return v;
        }
        shift += 7;
    }
}

impl PosList {
    #[inline]
    pub(crate) fn push(&mut self, pos: u64) {
        let step = pos.wrapping_sub(self.last) as i64;
        self.last = pos;
        if self.run > 0 && step == self.step {
            self.run += 1;
            return;
        }
        self.unsorted |= step < 0;
        self.flush();
        self.step = step;
        self.run = 1;
    }

    fn flush(&mut self) {
        if self.run == 0 {
            return;
        }
        let zigzag = ((self.step << 1) ^ (self.step >> 63)) as u64;
        put(&mut self.bytes, zigzag << 1 | u64::from(self.run > 1));
        if self.run > 1 {
            put(&mut self.bytes, self.run - 2);
        }
    }

    /// Gives back the unused capacity (a list that will not grow again).
    pub(crate) fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
    }

    pub(crate) fn is_sorted(&self) -> bool {
        !self.unsorted
    }

    /// The positions in the order pushed.
    pub(crate) fn iter(&self) -> Iter<'_> {
        Iter {
            list: self,
            at: 0,
            pos: 0,
            step: 0,
            left: 0,
            pending: self.run > 0,
        }
    }
}

pub(crate) struct Iter<'a> {
    list: &'a PosList,
    at: usize,
    pos: u64,
    step: i64,
    /// Positions left in the current run.
    left: u64,
    pending: bool,
}

impl Iterator for Iter<'_> {
    type Item = u64;

    #[inline]
    fn next(&mut self) -> Option<u64> {
        if self.left == 0 {
            let b = &self.list.bytes;
            if self.at < b.len() {
                let head = get(b, &mut self.at);
                let zigzag = head >> 1;
                self.step = (zigzag >> 1) as i64 ^ -((zigzag & 1) as i64);
                self.left = if head & 1 == 1 {
                    get(b, &mut self.at) + 2
                } else {
                    1
                };
            } else if self.pending {
                self.pending = false;
                (self.step, self.left) = (self.list.step, self.list.run);
            } else {
                return None;
            }
        }
        self.left -= 1;
        self.pos = self.pos.wrapping_add(self.step as u64);
        Some(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_back_what_was_pushed() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for case in 0..200 {
            let mut list = PosList::default();
            let mut want = Vec::new();
            let mut pos = 0u64;
            for _ in 0..(case * 7 % 300) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                pos = match x % 8 {
                    0 => pos + 1,
                    1 => pos + 2,
                    2 => pos + (x >> 20) % 300,
                    3 => pos + (x >> 10) % (1 << 40),
                    4 if case % 3 == 0 => pos.saturating_sub((x >> 20) % 50),
                    _ => pos + 3,
                };
                list.push(pos);
                want.push(pos);
            }
            assert_eq!(list.iter().collect::<Vec<_>>(), want, "case {case}");
            assert_eq!(
                list.is_sorted(),
                want.windows(2).all(|w| w[0] <= w[1]),
                "case {case}"
            );
        }
    }

    #[test]
    fn runs_of_one_step_take_a_few_bytes() {
        let mut list = PosList::default();
        for p in (0..1_000_000u64).chain((1_000_000..2_000_000).step_by(2)) {
            list.push(p);
        }
        assert!(list.bytes.len() < 16, "{} bytes", list.bytes.len());
        assert_eq!(list.iter().count(), 1_500_000);
        assert_eq!(list.iter().nth(1_000_001), Some(1_000_002));
    }
}
