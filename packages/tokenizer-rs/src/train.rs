//! BPE training (CS336 §2.4–2.5, "BPE tokenizer training"): from distinct pre-token counts, repeatedly
//! merge the most frequent adjacent pair; ties go to the lexicographically greater pair of byte strings,
//! compared as (left, right). Incremental: pair counts are updated only for words containing the merged
//! pair (found through a pair→words index), and the best pair comes from a lazily invalidated max-heap.
//! Words longer than `LONG_WORD` bytes are merged through per-pair position lists instead (long_words.rs).
//! Leaves out special tokens (the caller appends them) and file formats (see ts/files.ts).

mod long_words;
mod tokens;
mod word_lists;
mod words;

use crate::count::PretokenCounts;
use crate::fxhash::FxHashMap;
use long_words::LongWords;
use std::cmp::Ordering;
use tokens::Tokens;
use word_lists::{Lists, WordList};
use words::Words;

/// Words longer than this many bytes take the position-list path. Rescanning a word whenever one of its
/// pairs is merged suits the short, often repeated words of natural text; from a few dozen bytes the lists
/// were faster even on distinct random words (bench/RESULTS.md).
const LONG_WORD: usize = 64;

type Pair = u64; // (left id << 32) | right id

#[inline]
fn pair(a: u32, b: u32) -> Pair {
    (a as u64) << 32 | b as u64
}

#[inline]
fn halves(p: Pair) -> (u32, u32) {
    ((p >> 32) as u32, p as u32)
}

/// A pair's total count and the short words that contain it (or once did: stale entries are skipped when
/// used). One map entry holds both, so raising a count and indexing its word is one hash lookup.
#[derive(Default)]
struct PairStat {
    count: u64,
    words: WordList,
}

/// Every pair with a non-zero count, and what the current merge changed.
#[derive(Default)]
struct Counts {
    map: FxHashMap<Pair, PairStat>,
    lists: Lists,
    /// Pairs new to the map (they go on the heap).
    fresh: Vec<Pair>,
    /// Pairs whose count fell to 0 (their position lists are dropped if it stays there).
    dead: Vec<Pair>,
}

impl Counts {
    /// Lowers a pair's count by a word's count. A pair reaching 0 leaves the map with its word list: no
    /// word holds it any more, and it cannot come back after this merge (new adjacencies always involve
    /// the newest token).
    #[inline]
    fn dec(&mut self, p: Pair, n: u64) {
        if let Some(s) = self.map.get_mut(&p) {
            s.count -= n;
            if s.count == 0 {
                if let Some(s) = self.map.remove(&p) {
                    self.lists.drop_list(s.words);
                }
                self.dead.push(p);
            }
        }
    }

    /// Raises a pair's count and indexes short word `w` under it.
    #[inline]
    fn inc(&mut self, p: Pair, n: u64, w: u32) {
        let s = self.map.entry(p).or_default();
        if s.count == 0 {
            self.fresh.push(p);
        }
        s.count += n;
        self.lists.push(&mut s.words, w);
    }

    /// Raises a pair's count for a long word (those are found through position lists, not the index).
    #[inline]
    fn add(&mut self, p: Pair, n: u64) {
        let s = self.map.entry(p).or_default();
        if s.count == 0 {
            self.fresh.push(p);
        }
        s.count += n;
    }
}

#[derive(Clone, Copy)]
struct Entry {
    count: u64,
    pair: Pair,
}

pub struct Trainer {
    tokens: Tokens,
    /// Every distinct short pre-token as symbol ids; merging shrinks a word in place.
    words: Words,
    long: LongWords,
    counts: Counts,
    /// Max-heap on (count, left bytes, right bytes). Counts in it are upper bounds: a pair's count only
    /// falls after it is pushed (new adjacencies always involve the newest token, so are new pairs).
    heap: Vec<Entry>,
}

impl Trainer {
    pub fn new(counts: &PretokenCounts) -> Trainer {
        Trainer::with_long_words(counts, LONG_WORD)
    }

    /// `new`, with words longer than `long_from` bytes on the position-list path (tests set it low).
    fn with_long_words(counts: &PretokenCounts, long_from: usize) -> Trainer {
        let long_from = long_from.min(words::MAX_LEN);
        // Before any merge every pair is a byte pair: counted and indexed in flat tables by (a << 8 | b),
        // each word list sized in a first pass, so the build hashes nothing and copies no list as it grows.
        let mut pair_counts = vec![0u64; 1 << 16];
        let mut sizes = vec![0usize; 1 << 16];
        let mut long = long_words::Builder::default();
        let (mut short, mut bytes) = (0, 0);
        for (word, _) in counts.iter().filter(|(w, _)| w.len() <= long_from) {
            (short, bytes) = (short + 1, bytes + word.len());
        }
        let mut words = Words::with_capacity(short, bytes);
        for (word, n) in counts.iter() {
            if word.len() > long_from {
                long.add(word, n);
                continue;
            }
            words.push(word, n);
            if n == 0 {
                continue; // only a hand-made buffer has these; a zero-count pair must not enter the map
            }
            for ab in word.windows(2) {
                let k = usize::from(ab[0]) << 8 | usize::from(ab[1]);
                pair_counts[k] += n;
                sizes[k] += 1;
            }
        }
        words.shrink_to_fit();
        let mut lists: Vec<Vec<u32>> = sizes.iter().map(|&n| Vec::with_capacity(n)).collect();
        words.each(|w, n, syms| {
            if n == 0 {
                return;
            }
            for ab in syms.windows(2) {
                let list = &mut lists[usize::from(ab[0]) << 8 | usize::from(ab[1])];
                if list.last() != Some(&w) {
                    list.push(w);
                }
            }
        });
        let mut pairs = Counts::default();
        for (k, list) in lists.into_iter().enumerate() {
            let count = pair_counts[k];
            if count > 0 {
                let words = pairs.lists.list_of(list);
                let p = pair((k >> 8) as u32, (k & 0xff) as u32);
                pairs.map.insert(p, PairStat { count, words });
            }
        }
        let long = long.finish(&mut pairs);
        let mut t = Trainer {
            tokens: Tokens::new(),
            words,
            long,
            counts: pairs,
            heap: Vec::new(),
        };
        let entries: Vec<Entry> = t
            .counts
            .map
            .iter()
            .map(|(&pair, s)| Entry { count: s.count, pair })
            .collect();
        for e in entries {
            t.push(e);
        }
        t
    }

    pub fn merges(&self) -> &[(u32, u32)] {
        self.tokens.merges()
    }

    #[cfg(test)]
    pub(crate) fn token(&self, id: u32) -> Vec<u8> {
        self.tokens.bytes(id)
    }

    /// Runs up to `max` merges; returns how many were made (fewer only when no pair is left).
    pub fn step(&mut self, max: usize) -> usize {
        for done in 0..max {
            let Some(best) = self.pop_best() else { return done };
            self.merge(best);
        }
        max
    }

    fn pop_best(&mut self) -> Option<Pair> {
        while let Some(top) = self.pop() {
            let current = self.counts.map.get(&top.pair).map_or(0, |s| s.count);
            if current == top.count {
                return Some(top.pair);
            }
            if current > 0 {
                self.push(Entry {
                    count: current,
                    pair: top.pair,
                }); // stale: re-queue with its real count
            }
        }
        None
    }

    fn merge(&mut self, best: Pair) {
        let (a, b) = halves(best);
        let new_id = self.tokens.push(a, b);
        let epoch = self.tokens.merges().len() as u32;
        // Taking the entry out also drops the pair: every occurrence is merged below.
        let list = match self.counts.map.remove(&best) {
            Some(s) => self.counts.lists.take(s.words),
            None => Vec::new(),
        };
        self.words.merge(&list, best, new_id, epoch, &mut self.counts);
        if !self.long.is_empty() {
            self.long
                .merge(best, new_id, self.tokens.lens(), &mut self.counts);
            for p in std::mem::take(&mut self.counts.dead) {
                if !self.counts.map.contains_key(&p) {
                    self.long.forget(p);
                }
            }
        }
        self.counts.dead.clear();
        for p in std::mem::take(&mut self.counts.fresh) {
            if let Some(count) = self.counts.map.get(&p).map(|s| s.count) {
                self.push(Entry { count, pair: p });
            }
        }
    }

    /// `x` ranks above `y`: higher count, then the greater (left bytes, right bytes), then (for tokens
    /// with the same bytes, which two merge orders can make) the greater ids, so the order is total and
    /// the pick never depends on the heap's layout.
    #[inline]
    fn above(&self, x: &Entry, y: &Entry) -> bool {
        if x.count != y.count {
            return x.count > y.count;
        }
        let ((xa, xb), (ya, yb)) = (halves(x.pair), halves(y.pair));
        let t = &self.tokens;
        t.cmp(xa, ya)
            .then_with(|| t.cmp(xb, yb))
            .then(x.pair.cmp(&y.pair))
            == Ordering::Greater
    }

    fn push(&mut self, e: Entry) {
        self.heap.push(e);
        let mut i = self.heap.len() - 1;
        while i > 0 {
            let parent = (i - 1) / 2;
            if !self.above(&self.heap[i], &self.heap[parent]) {
                break;
            }
            self.heap.swap(i, parent);
            i = parent;
        }
    }

    fn pop(&mut self) -> Option<Entry> {
        let last = self.heap.pop()?;
        if self.heap.is_empty() {
            return Some(last);
        }
        let top = core::mem::replace(&mut self.heap[0], last);
        let n = self.heap.len();
        let mut i = 0;
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut best = i;
            if l < n && self.above(&self.heap[l], &self.heap[best]) {
                best = l;
            }
            if r < n && self.above(&self.heap[r], &self.heap[best]) {
                best = r;
            }
            if best == i {
                break;
            }
            self.heap.swap(i, best);
            i = best;
        }
        Some(top)
    }
}

#[cfg(test)]
mod tests;
