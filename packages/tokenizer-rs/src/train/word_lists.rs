//! The pair → short words index behind training's merge loop: for each pair, the words that hold it (or
//! once did: stale entries are skipped when used), in the order they were added. At millions of distinct
//! pre-tokens most pairs are rare (at the end of a 32k-vocab run on 3.4 M words: 4.0 M pairs, 3.6 M of
//! them in at most two words), so a list of up to two words sits inside the pair's map entry and only
//! longer ones get an allocation, in a slab whose freed slots are reused. A `Vec` per pair cost 24 bytes
//! in the entry plus an allocation of at least 16 bytes and its header.

const NONE: u32 = u32::MAX;
/// First field of a list kept in the slab; the second is its slot.
const SPILLED: u32 = u32::MAX - 1;

/// One pair's list: empty, one or two word ids inline, or a slab slot.
#[derive(Clone, Copy)]
pub(super) struct WordList(u32, u32);

impl Default for WordList {
    fn default() -> Self {
        WordList(NONE, NONE)
    }
}

#[derive(Default)]
pub(super) struct Lists {
    slab: Vec<Vec<u32>>,
    free: Vec<u32>,
}

impl Lists {
    /// Appends word `w` to `l` unless it is already its last entry: a word's pairs are indexed while
    /// the word is visited, so a word listed under a pair twice in a row is listed once.
    #[inline]
    pub(super) fn push(&mut self, l: &mut WordList, w: u32) {
        debug_assert!(w < SPILLED);
        match *l {
            WordList(NONE, _) => l.0 = w,
            WordList(SPILLED, slot) => {
                let v = &mut self.slab[slot as usize];
                if v.last() != Some(&w) {
                    v.push(w);
                }
            }
            WordList(a, NONE) => {
                if a != w {
                    l.1 = w;
                }
            }
            WordList(a, b) => {
                if b != w {
                    *l = WordList(SPILLED, self.spill(vec![a, b, w]));
                }
            }
        }
    }

    /// A list holding `v` (already free of repeats), inline when it is short enough.
    pub(super) fn list_of(&mut self, v: Vec<u32>) -> WordList {
        match v[..] {
            [] => WordList::default(),
            [a] => WordList(a, NONE),
            [a, b] => WordList(a, b),
            _ => WordList(SPILLED, self.spill(v)),
        }
    }

    fn spill(&mut self, v: Vec<u32>) -> u32 {
        match self.free.pop() {
            Some(slot) => {
                self.slab[slot as usize] = v;
                slot
            }
            None => {
                self.slab.push(v);
                u32::try_from(self.slab.len() - 1).expect("fewer than 4G spilled word lists")
            }
        }
    }

    /// `l`'s entries; frees its slot.
    pub(super) fn take(&mut self, l: WordList) -> Vec<u32> {
        match l {
            WordList(SPILLED, slot) => {
                let v = std::mem::take(&mut self.slab[slot as usize]);
                self.free.push(slot);
                v
            }
            WordList(NONE, _) => Vec::new(),
            WordList(a, NONE) => vec![a],
            WordList(a, b) => vec![a, b],
        }
    }

    /// Frees `l`'s storage (its pair no longer occurs).
    pub(super) fn drop_list(&mut self, l: WordList) {
        if let WordList(SPILLED, slot) = l {
            self.release(slot);
        }
    }

    fn release(&mut self, slot: u32) {
        self.slab[slot as usize] = Vec::new();
        self.free.push(slot);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(lists: &mut Lists, l: WordList) -> Vec<u32> {
        lists.take(l)
    }

    #[test]
    fn inline_then_spilled_with_slots_reused() {
        let mut lists = Lists::default();
        for n in 0..6u32 {
            let mut l = WordList::default();
            for w in 0..n {
                lists.push(&mut l, w);
                lists.push(&mut l, w); // a repeat of the last entry is not listed again
            }
            assert_eq!(listed(&mut lists, l), (0..n).collect::<Vec<_>>(), "{n} words");
        }
        assert_eq!(lists.slab.len(), 1, "each spilled list reuses the freed slot");
        let l = lists.list_of(vec![7, 8]);
        assert!(matches!(l, WordList(7, 8)));
        let mut l = lists.list_of(vec![7, 8, 9]);
        for w in [9, 8, 7] {
            lists.push(&mut l, w);
        }
        assert_eq!(listed(&mut lists, l), vec![7, 8, 9, 8, 7]);
        let l = lists.list_of(vec![1, 2, 3, 4]);
        lists.drop_list(l);
        assert_eq!(lists.free.len(), 1);
    }
}
