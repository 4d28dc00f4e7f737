//! Training's short words (up to `LONG_WORD` bytes, rescanned at every merge that touches them): each
//! distinct pre-token is one record in one flat array, an 8-element header [count ×4, last visit ×2,
//! length, 0] (16 bits of data per element) then its symbols, padded to a multiple of 8 elements and named
//! by its offset / 8. A merge visits the words holding its pair in index-list order, scattered over
//! hundreds of megabytes at millions of distinct pre-tokens: one record is one cache miss (a struct array
//! beside a symbol array was two), and the records a few entries ahead are prefetched while one merges.
//! Elements are `u16` while every id fits, `u32` after (ids and offsets do not change).

use super::{halves, pair, Counts, Pair};

/// Header length in elements; records start at multiples of it.
const HEAD: usize = 8;
const VISITED: usize = 4;
const LEN: usize = 6;
/// Longest word a record holds (its length is one element).
pub(super) const MAX_LEN: usize = u16::MAX as usize;

/// How far ahead in a pair's word list the merge loop prefetches records: enough misses in flight to
/// cover memory latency, few enough that the lines are still cached when their turn comes.
const PREFETCH: usize = 8;

trait Elem: Copy + Eq {
    fn get(self) -> u32;
    /// An element holding `v`, a header field's 16 bits or a symbol id that fits.
    fn of(v: u32) -> Self;
}

impl Elem for u16 {
    #[inline(always)]
    fn get(self) -> u32 {
        u32::from(self)
    }
    #[inline(always)]
    fn of(v: u32) -> u16 {
        debug_assert!(v <= u32::from(u16::MAX));
        v as u16
    }
}

impl Elem for u32 {
    #[inline(always)]
    fn get(self) -> u32 {
        self
    }
    #[inline(always)]
    fn of(v: u32) -> u32 {
        v
    }
}

enum Recs {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

pub(super) struct Words {
    recs: Recs,
    /// The first id the records must hold as `u32` (tests lower it).
    pub(super) widen_at: u32,
    /// Every record's id, for tests that read the words back.
    #[cfg(test)]
    ids: Vec<u32>,
}

impl Words {
    pub(super) fn with_capacity(words: usize, bytes: usize) -> Words {
        Words {
            recs: Recs::Narrow(Vec::with_capacity(words * (HEAD + 4) + bytes)),
            widen_at: u32::from(u16::MAX) + 1,
            #[cfg(test)]
            ids: Vec::new(),
        }
    }

    /// Adds a word of at most `MAX_LEN` bytes as single bytes, before any merge; returns its id.
    pub(super) fn push(&mut self, word: &[u8], n: u64) -> u32 {
        let Recs::Narrow(recs) = &mut self.recs else {
            unreachable!("words are added before the first merge")
        };
        assert!(word.len() <= MAX_LEN, "a short word has at most {MAX_LEN} bytes");
        let id = u32::try_from(recs.len() / HEAD).expect("short words' records exceed 64 GiB");
        let count = [n as u16, (n >> 16) as u16, (n >> 32) as u16, (n >> 48) as u16];
        recs.extend(count);
        recs.extend([u16::MAX, u16::MAX, word.len() as u16, 0]);
        recs.extend(word.iter().map(|&b| u16::from(b)));
        recs.resize(recs.len().next_multiple_of(HEAD), 0);
        #[cfg(test)]
        self.ids.push(id);
        id
    }

    pub(super) fn shrink_to_fit(&mut self) {
        match &mut self.recs {
            Recs::Narrow(r) => r.shrink_to_fit(),
            Recs::Wide(r) => r.shrink_to_fit(),
        }
    }

    /// Calls `f(id, count, bytes)` for every word in order; before any merge (it steps by lengths).
    pub(super) fn each(&self, mut f: impl FnMut(u32, u64, &[u16])) {
        let Recs::Narrow(recs) = &self.recs else {
            unreachable!("the index is built before the first merge")
        };
        let mut at = 0;
        while at < recs.len() {
            let end = at + HEAD + usize::from(recs[at + LEN]);
            f((at / HEAD) as u32, count(&recs[at..]), &recs[at + HEAD..end]);
            at = end.next_multiple_of(HEAD);
        }
    }

    /// Merges every occurrence of `best` in the words of `list` into token `new`, in place, updating the
    /// pairs beside each site in `counts` (and indexing the words under the new pairs). `epoch` is this
    /// merge's number: a word listed twice is merged once.
    pub(super) fn merge(&mut self, list: &[u32], best: Pair, new: u32, epoch: u32, counts: &mut Counts) {
        if new >= self.widen_at {
            if let Recs::Narrow(r) = &mut self.recs {
                let wide = r.iter().map(|&x| u32::from(x)).collect();
                self.recs = Recs::Wide(wide);
            }
        }
        match &mut self.recs {
            Recs::Narrow(r) => merge_all(r, list, best, new, epoch, counts),
            Recs::Wide(r) => merge_all(r, list, best, new, epoch, counts),
        }
    }

    /// Every word's current symbols, in the order they were added.
    #[cfg(test)]
    pub(super) fn all(&self) -> Vec<Vec<u32>> {
        fn read<S: Elem>(recs: &[S], ids: &[u32]) -> Vec<Vec<u32>> {
            ids.iter()
                .map(|&id| {
                    let at = id as usize * HEAD;
                    let len = recs[at + LEN].get() as usize;
                    recs[at + HEAD..at + HEAD + len].iter().map(|s| s.get()).collect()
                })
                .collect()
        }
        match &self.recs {
            Recs::Narrow(r) => read(r, &self.ids),
            Recs::Wide(r) => read(r, &self.ids),
        }
    }

    #[cfg(test)]
    pub(super) fn is_wide(&self) -> bool {
        matches!(self.recs, Recs::Wide(_))
    }
}

#[inline(always)]
fn count<S: Elem>(head: &[S]) -> u64 {
    (0..4).fold(0, |n, i| n | u64::from(head[i].get()) << (16 * i))
}

fn merge_all<S: Elem>(recs: &mut [S], list: &[u32], best: Pair, new: u32, epoch: u32, counts: &mut Counts) {
    let (a, b) = halves(best);
    let (sa, sb, snew) = (S::of(a), S::of(b), S::of(new));
    for (i, &w) in list.iter().enumerate() {
        if let Some(&ahead) = list.get(i + PREFETCH) {
            prefetch(recs, ahead);
        }
        let (head, rest) = recs[w as usize * HEAD..].split_at_mut(HEAD);
        if (head[VISITED].get() | head[VISITED + 1].get() << 16) == epoch {
            continue;
        }
        head[VISITED] = S::of(epoch & 0xffff);
        head[VISITED + 1] = S::of(epoch >> 16);
        let n = count(head);
        let len = head[LEN].get() as usize;
        let word = &mut rest[..len];
        // One pass, left to right, non-overlapping ("a a a" with (a, a) becomes "aa a"), compacting in
        // place. Only the pairs beside each merge site change, so only those touch the hash map
        // (re-counting whole words cost twice the map operations). The left neighbour is read from the
        // merged output, the right one from the input, as HF tokenizers' `Word::merge` does; a right pair
        // that is itself a merge site's left pair is then removed and re-added, netting out.
        let (mut r, mut wr) = (0, 0);
        let mut changed = false;
        while r < len {
            if r + 1 < len && word[r] == sa && word[r + 1] == sb {
                if wr > 0 {
                    let left = word[wr - 1].get();
                    counts.dec(pair(left, a), n);
                    counts.inc(pair(left, new), n, w);
                }
                if r + 2 < len {
                    let right = word[r + 2].get();
                    counts.dec(pair(b, right), n);
                    counts.inc(pair(new, right), n, w);
                }
                word[wr] = snew;
                r += 2;
                changed = true;
            } else {
                word[wr] = word[r];
                r += 1;
            }
            wr += 1;
        }
        if changed {
            head[LEN] = S::of(wr as u32);
        } // else: a stale index entry (the word lost the pair in an earlier merge)
    }
}

/// Asks the CPU to start loading record `id`: two lines, since most records end within 64 bytes of their
/// start (a no-op where there is no prefetch hint, as in WASM).
#[inline(always)]
fn prefetch<S>(recs: &[S], id: u32) {
    let at = recs.as_ptr().wrapping_add(id as usize * HEAD).cast::<u8>();
    crate::inline_key::prefetch(at);
    crate::inline_key::prefetch(at.wrapping_add(64));
}
