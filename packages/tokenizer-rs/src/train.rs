//! BPE training (CS336 §2.4–2.5, "BPE tokenizer training"): from distinct pre-token counts, repeatedly
//! merge the most frequent adjacent pair; ties go to the lexicographically greater pair of byte strings,
//! compared as (left, right). Incremental: pair counts are updated only for words containing the merged
//! pair (found through a pair→words index), and the best pair comes from a lazily invalidated max-heap.
//! Leaves out special tokens (the caller appends them) and file formats (see ts/files.ts).

use crate::count::{FxHashMap, PretokenCounts};

type Pair = u64; // (left id << 32) | right id

#[inline]
fn pair(a: u32, b: u32) -> Pair {
    (a as u64) << 32 | b as u64
}

#[inline]
fn halves(p: Pair) -> (u32, u32) {
    ((p >> 32) as u32, p as u32)
}

#[derive(Clone, Copy)]
struct Entry {
    count: u64,
    pair: Pair,
}

pub struct Trainer {
    /// Token bytes by id: 0..=255 single bytes, then one per merge.
    tokens: Vec<Vec<u8>>,
    /// Every distinct pre-token as symbol ids, stored flat; merging shrinks a word in place.
    syms: Vec<u32>,
    word_start: Vec<usize>,
    word_len: Vec<u32>,
    word_count: Vec<u64>,
    pair_count: FxHashMap<Pair, u64>,
    /// Words that contain (or once contained) a pair; stale entries are skipped when used.
    pair_words: FxHashMap<Pair, Vec<u32>>,
    /// Max-heap on (count, left bytes, right bytes). Counts in it are upper bounds: a pair's count only
    /// falls after it is pushed (new adjacencies always involve the newest token, so are new pairs).
    heap: Vec<Entry>,
    merges: Vec<(u32, u32)>,
    /// Per-word epoch marks to visit each word once per merge even if listed twice.
    visited: Vec<u32>,
}

impl Trainer {
    pub fn new(counts: &PretokenCounts) -> Trainer {
        let mut t = Trainer {
            tokens: (0..=255u8).map(|b| vec![b]).collect(),
            syms: Vec::new(),
            word_start: Vec::with_capacity(counts.len()),
            word_len: Vec::with_capacity(counts.len()),
            word_count: Vec::with_capacity(counts.len()),
            pair_count: FxHashMap::default(),
            pair_words: FxHashMap::default(),
            heap: Vec::new(),
            merges: Vec::new(),
            visited: vec![u32::MAX; counts.len()],
        };
        for (w, (word, n)) in counts.iter().enumerate() {
            t.word_start.push(t.syms.len());
            t.word_len.push(word.len() as u32);
            t.word_count.push(n);
            t.syms.extend(word.iter().map(|&b| b as u32));
            for ab in word.windows(2) {
                let p = pair(ab[0] as u32, ab[1] as u32);
                *t.pair_count.entry(p).or_insert(0) += n;
                let list = t.pair_words.entry(p).or_default();
                if list.last() != Some(&(w as u32)) {
                    list.push(w as u32);
                }
            }
        }
        let entries: Vec<Entry> = t
            .pair_count
            .iter()
            .map(|(&pair, &count)| Entry { count, pair })
            .collect();
        for e in entries {
            t.push(e);
        }
        t
    }

    pub fn merges(&self) -> &[(u32, u32)] {
        &self.merges
    }

    pub fn token(&self, id: u32) -> &[u8] {
        &self.tokens[id as usize]
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
            let current = self.pair_count.get(&top.pair).copied().unwrap_or(0);
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
        let new_id = self.tokens.len() as u32;
        let mut joined = self.tokens[a as usize].clone();
        joined.extend_from_slice(&self.tokens[b as usize]);
        self.tokens.push(joined);
        self.merges.push((a, b));
        let epoch = self.merges.len() as u32;
        let mut fresh: Vec<Pair> = Vec::new();
        let words = self.pair_words.remove(&best).unwrap_or_default();
        for w in words {
            let wi = w as usize;
            if self.visited[wi] == epoch {
                continue;
            }
            self.visited[wi] = epoch;
            let (start, len, n) = (
                self.word_start[wi],
                self.word_len[wi] as usize,
                self.word_count[wi],
            );
            let word = &mut self.syms[start..start + len];
            if !word.windows(2).any(|x| x[0] == a && x[1] == b) {
                continue; // stale index entry
            }
            for x in word.windows(2) {
                let p = pair(x[0], x[1]);
                if let Some(c) = self.pair_count.get_mut(&p) {
                    *c -= n;
                    if *c == 0 {
                        self.pair_count.remove(&p);
                    }
                }
            }
            // Left to right, non-overlapping: "a a a" with (a, a) becomes "aa a".
            let (mut r, mut wr) = (0, 0);
            while r < len {
                if r + 1 < len && word[r] == a && word[r + 1] == b {
                    word[wr] = new_id;
                    r += 2;
                } else {
                    word[wr] = word[r];
                    r += 1;
                }
                wr += 1;
            }
            self.word_len[wi] = wr as u32;
            for i in 1..wr {
                let (x, y) = (self.syms[start + i - 1], self.syms[start + i]);
                let p = pair(x, y);
                let c = self.pair_count.entry(p).or_insert(0);
                if *c == 0 && (x == new_id || y == new_id) {
                    fresh.push(p);
                }
                *c += n;
                if x == new_id || y == new_id {
                    let list = self.pair_words.entry(p).or_default();
                    if list.last() != Some(&w) {
                        list.push(w);
                    }
                }
            }
        }
        for p in fresh {
            if let Some(&count) = self.pair_count.get(&p) {
                self.push(Entry { count, pair: p });
            }
        }
    }

    /// `x` ranks above `y`: higher count, then the greater (left bytes, right bytes).
    #[inline]
    fn above(&self, x: &Entry, y: &Entry) -> bool {
        if x.count != y.count {
            return x.count > y.count;
        }
        let ((xa, xb), (ya, yb)) = (halves(x.pair), halves(y.pair));
        let t = &self.tokens;
        (&t[xa as usize], &t[xb as usize]) > (&t[ya as usize], &t[yb as usize])
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
mod tests {
    use super::*;
    use crate::special::SpecialTokens;
    use std::collections::BTreeMap;

    /// Obviously-correct trainer: recount every pair over every word after each merge.
    fn naive(counts: &PretokenCounts, merges: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut words: Vec<(Vec<Vec<u8>>, u64)> = counts
            .iter()
            .map(|(w, n)| (w.iter().map(|&b| vec![b]).collect(), n))
            .collect();
        let mut out = Vec::new();
        for _ in 0..merges {
            let mut pc: BTreeMap<(Vec<u8>, Vec<u8>), u64> = BTreeMap::new();
            for (w, n) in &words {
                for x in w.windows(2) {
                    *pc.entry((x[0].clone(), x[1].clone())).or_insert(0) += n;
                }
            }
            let Some((best, _)) = pc.into_iter().max_by(|x, y| x.1.cmp(&y.1).then(x.0.cmp(&y.0))) else {
                break;
            };
            for (w, _) in &mut words {
                let mut i = 0;
                while i + 1 < w.len() {
                    if w[i] == best.0 && w[i + 1] == best.1 {
                        let r = w.remove(i + 1);
                        w[i].extend_from_slice(&r);
                    }
                    i += 1;
                }
            }
            out.push(best);
        }
        out
    }

    #[test]
    fn matches_naive_trainer() {
        let text = "low low low low low lower lower widest widest widest newest newest newest newest newest \
                    newest aaaa aaa aa a  \r\n\r\n tie tie eit eit 123 1234 12345 ööö öö <|e|> über über";
        let sp = SpecialTokens::new(&["<|e|>".to_string()]).unwrap();
        let mut counts = PretokenCounts::new();
        counts.add_text(text, &sp);
        let mut t = Trainer::new(&counts);
        let done = t.step(10_000);
        let ours: Vec<(Vec<u8>, Vec<u8>)> = t
            .merges()
            .iter()
            .map(|&(a, b)| (t.token(a).to_vec(), t.token(b).to_vec()))
            .collect();
        assert_eq!(ours, naive(&counts, 10_000));
        assert_eq!(done, ours.len());
        assert!(done > 20);
        assert_eq!(t.step(5), 0);
    }
}
