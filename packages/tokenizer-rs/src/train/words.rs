//! Training's short words (the rescanned path): each distinct pre-token is one record in one flat `u32`
//! array, [count low, count high, length, last visit, symbols…] padded to 16 bytes and named by its
//! offset / 4. A merge visits the words holding its pair in index-list order, scattered over hundreds
//! of megabytes at millions of distinct pre-tokens: one record is one cache miss where a struct array
//! beside a symbol array was two, and the records a few entries ahead are prefetched while one merges.

/// Header length in `u32`s; records start at multiples of it.
const HEAD: usize = 4;
const LEN: usize = 2;
const VISITED: usize = 3;

#[derive(Default)]
pub(super) struct Words {
    recs: Vec<u32>,
    /// Every record's id, for tests that read the words back.
    #[cfg(test)]
    ids: Vec<u32>,
}

impl Words {
    pub(super) fn with_capacity(words: usize, bytes: usize) -> Words {
        Words {
            recs: Vec::with_capacity(words * (HEAD + 2) + bytes),
            #[cfg(test)]
            ids: Vec::new(),
        }
    }

    /// Adds a word as single bytes; returns its id.
    pub(super) fn push(&mut self, word: &[u8], n: u64) -> u32 {
        let id = u32::try_from(self.recs.len() / HEAD).expect("short words' records exceed 64 GiB");
        self.recs
            .extend([n as u32, (n >> 32) as u32, word.len() as u32, u32::MAX]);
        self.recs.extend(word.iter().map(|&b| u32::from(b)));
        self.recs.resize(self.recs.len().next_multiple_of(HEAD), 0);
        #[cfg(test)]
        self.ids.push(id);
        id
    }

    pub(super) fn shrink_to_fit(&mut self) {
        self.recs.shrink_to_fit();
    }

    /// Calls `f(id, count, symbols)` for every word in order; before any merge (it steps by lengths).
    pub(super) fn each(&self, mut f: impl FnMut(u32, u64, &[u32])) {
        let mut at = 0;
        while at < self.recs.len() {
            let (n, len) = (
                u64::from(self.recs[at]) | u64::from(self.recs[at + 1]) << 32,
                self.recs[at + LEN],
            );
            let end = at + HEAD + len as usize;
            f((at / HEAD) as u32, n, &self.recs[at + HEAD..end]);
            at = end.next_multiple_of(HEAD);
        }
    }

    /// Word `id`'s count, length and symbols, unless merge `epoch` already visited it (an index list
    /// can name a word twice); marks it visited. The caller writes the new length after merging.
    #[inline(always)]
    pub(super) fn visit(&mut self, id: u32, epoch: u32) -> Option<(u64, &mut u32, &mut [u32])> {
        let rec = &mut self.recs[id as usize * HEAD..];
        if rec[VISITED] == epoch {
            return None;
        }
        rec[VISITED] = epoch;
        let n = u64::from(rec[0]) | u64::from(rec[1]) << 32;
        let (head, syms) = rec.split_at_mut(HEAD);
        let len = head[LEN] as usize;
        Some((n, &mut head[LEN], &mut syms[..len]))
    }

    /// Asks the CPU to start loading word `id`'s record (a no-op where there is no prefetch hint).
    #[inline(always)]
    pub(super) fn prefetch(&self, id: u32) {
        #[cfg(target_arch = "x86_64")]
        {
            use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let at = self.recs.as_ptr().wrapping_add(id as usize * HEAD);
            // SAFETY: a prefetch is only a hint: it never faults, whatever the address, and reads
            // nothing into the program. Two lines: a word of up to 12 bytes fits in 64 bytes.
            unsafe {
                _mm_prefetch::<_MM_HINT_T0>(at.cast());
                _mm_prefetch::<_MM_HINT_T0>(at.wrapping_add(16).cast());
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = id;
    }

    /// Every word's current symbols, in the order they were added.
    #[cfg(test)]
    pub(super) fn all(&self) -> Vec<Vec<u32>> {
        self.ids
            .iter()
            .map(|&id| {
                let at = id as usize * HEAD;
                self.recs[at + HEAD..at + HEAD + self.recs[at + LEN] as usize].to_vec()
            })
            .collect()
    }
}
