//! BPE training (CS336 §2.4–2.5, "BPE tokenizer training"): from distinct pre-token counts, repeatedly
//! merge the most frequent adjacent pair; ties go to the lexicographically greater pair of byte strings,
//! compared as (left, right). Incremental: pair counts are updated only for words containing the merged
//! pair (found through a pair→words index), and the best pair comes from a lazily invalidated max-heap.
//! Leaves out special tokens (the caller appends them) and file formats (see ts/files.ts).

use crate::count::PretokenCounts;
use crate::fxhash::FxHashMap;

type Pair = u64; // (left id << 32) | right id

#[inline]
fn pair(a: u32, b: u32) -> Pair {
    (a as u64) << 32 | b as u64
}

#[inline]
fn halves(p: Pair) -> (u32, u32) {
    ((p >> 32) as u32, p as u32)
}

/// A pair's total count and the words that contain it (or once did: stale entries are skipped when
/// used). One map entry holds both, so raising a count and indexing its word is one hash lookup.
#[derive(Default)]
struct PairStat {
    count: u64,
    words: Vec<u32>,
}

type Pairs = FxHashMap<Pair, PairStat>;

/// Lowers a pair's count by a word's count. A pair reaching 0 leaves the map with its word list: no
/// word holds it any more, and it cannot come back (new adjacencies always involve the newest token).
#[inline]
fn dec(pairs: &mut Pairs, p: Pair, n: u64) {
    if let Some(s) = pairs.get_mut(&p) {
        s.count -= n;
        if s.count == 0 {
            pairs.remove(&p);
        }
    }
}

/// Raises a pair's count and indexes word `w` under it; a pair new to the map goes to `fresh` (heap).
#[inline]
fn inc(pairs: &mut Pairs, fresh: &mut Vec<Pair>, p: Pair, n: u64, w: u32) {
    let s = pairs.entry(p).or_default();
    if s.count == 0 {
        fresh.push(p);
    }
    s.count += n;
    if s.words.last() != Some(&w) {
        s.words.push(w);
    }
}

/// A distinct pre-token being merged. One struct, not parallel arrays: the merge loop visits words in
/// index-list order, i.e. at random, and this keeps a visit to one cache miss here plus one in `syms`.
struct Word {
    /// Offset of its symbols in `Trainer::syms`.
    start: usize,
    count: u64,
    len: u32,
    /// Number of the last merge that visited it, so a word listed twice is merged once.
    visited: u32,
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
    words: Vec<Word>,
    /// Every pair with a non-zero count.
    pairs: Pairs,
    /// Max-heap on (count, left bytes, right bytes). Counts in it are upper bounds: a pair's count only
    /// falls after it is pushed (new adjacencies always involve the newest token, so are new pairs).
    heap: Vec<Entry>,
    merges: Vec<(u32, u32)>,
}

impl Trainer {
    pub fn new(counts: &PretokenCounts) -> Trainer {
        let mut t = Trainer {
            tokens: (0..=255u8).map(|b| vec![b]).collect(),
            syms: Vec::new(),
            words: Vec::with_capacity(counts.len()),
            pairs: Pairs::default(),
            heap: Vec::new(),
            merges: Vec::new(),
        };
        for (w, (word, n)) in counts.iter().enumerate() {
            t.words.push(Word {
                start: t.syms.len(),
                count: n,
                len: word.len() as u32,
                visited: u32::MAX,
            });
            t.syms.extend(word.iter().map(|&b| b as u32));
            if n == 0 {
                continue; // only a hand-made buffer has these; a zero-count pair must not enter the map
            }
            for ab in word.windows(2) {
                let s = t.pairs.entry(pair(ab[0] as u32, ab[1] as u32)).or_default();
                s.count += n;
                if s.words.last() != Some(&(w as u32)) {
                    s.words.push(w as u32);
                }
            }
        }
        let entries: Vec<Entry> = t
            .pairs
            .iter()
            .map(|(&pair, s)| Entry { count: s.count, pair })
            .collect();
        for e in entries {
            t.push(e);
        }
        t
    }

    pub(crate) fn merges(&self) -> &[(u32, u32)] {
        &self.merges
    }

    #[cfg(test)]
    pub(crate) fn token(&self, id: u32) -> &[u8] {
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
            let current = self.pairs.get(&top.pair).map_or(0, |s| s.count);
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
        // Taking the entry out also drops the pair: every occurrence is merged below.
        let words = self.pairs.remove(&best).map(|s| s.words).unwrap_or_default();
        for w in words {
            let meta = &mut self.words[w as usize];
            if meta.visited == epoch {
                continue;
            }
            meta.visited = epoch;
            let (start, len, n) = (meta.start, meta.len as usize, meta.count);
            let word = &mut self.syms[start..start + len];
            // One pass, left to right, non-overlapping ("a a a" with (a, a) becomes "aa a"), compacting in
            // place. Only the pairs beside each merge site change, so only those touch the hash map
            // (re-counting whole words cost twice the map operations). The left neighbour is read from the
            // merged output, the right one from the input, as HF tokenizers' `Word::merge` does; a right
            // pair that is itself a merge site's left pair is then removed and re-added, netting out.
            let (mut r, mut wr) = (0, 0);
            let mut changed = false;
            while r < len {
                if r + 1 < len && word[r] == a && word[r + 1] == b {
                    if wr > 0 {
                        let left = word[wr - 1];
                        dec(&mut self.pairs, pair(left, a), n);
                        inc(&mut self.pairs, &mut fresh, pair(left, new_id), n, w);
                    }
                    if r + 2 < len {
                        let right = word[r + 2];
                        dec(&mut self.pairs, pair(b, right), n);
                        inc(&mut self.pairs, &mut fresh, pair(new_id, right), n, w);
                    }
                    word[wr] = new_id;
                    r += 2;
                    changed = true;
                } else {
                    word[wr] = word[r];
                    r += 1;
                }
                wr += 1;
            }
            if changed {
                self.words[w as usize].len = wr as u32;
            } // else: a stale index entry (the word lost the pair in an earlier merge)
        }
        for p in fresh {
            if let Some(count) = self.pairs.get(&p).map(|s| s.count) {
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

    #[test]
    fn matches_naive_trainer_on_repetitive_words() {
        // Runs like "aaaa" and "abab" put merge sites side by side, where neighbour updates can go wrong.
        let mut state = 0x6a09_e667_f3bc_c909u64; // seeded xorshift
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..40 {
            let mut counts = PretokenCounts::new();
            for _ in 0..30 {
                let len = 1 + next() % 12;
                let word: Vec<u8> = (0..len).map(|_| b"aab"[(next() % 3) as usize]).collect();
                counts.add(&word, 1 + next() % 5);
            }
            let mut t = Trainer::new(&counts);
            t.step(1000);
            let ours: Vec<(Vec<u8>, Vec<u8>)> = t
                .merges()
                .iter()
                .map(|&(a, b)| (t.token(a).to_vec(), t.token(b).to_vec()))
                .collect();
            assert_eq!(ours, naive(&counts, 1000));
        }
    }

    #[test]
    fn counts_above_u32_pick_the_right_pair() {
        // Web-scale counts: (a,b) totals 6e9 over two words and must beat (x,y) at 4e9; counts or pair sums
        // held in 32 bits would wrap (6e9 mod 2^32 is about 1.7e9) and pick (x,y) first.
        let mut counts = PretokenCounts::new();
        counts.add(b"ab", 3_000_000_000);
        counts.add(b"zab", 1_500_000_000);
        counts.add(b"zab", 1_500_000_000);
        counts.add(b"xy", 4_000_000_000);
        counts.add(b"q", u64::from(u32::MAX) + 2);
        let mut t = Trainer::new(&counts);
        assert_eq!(t.step(10), 3);
        let ours: Vec<(Vec<u8>, Vec<u8>)> = t
            .merges()
            .iter()
            .map(|&(a, b)| (t.token(a).to_vec(), t.token(b).to_vec()))
            .collect();
        let want: Vec<(Vec<u8>, Vec<u8>)> = vec![
            (b"a".to_vec(), b"b".to_vec()),
            (b"x".to_vec(), b"y".to_vec()),
            (b"z".to_vec(), b"ab".to_vec()),
        ];
        assert_eq!(ours, want);
        assert_eq!(naive(&counts, 10), want);
    }
}
