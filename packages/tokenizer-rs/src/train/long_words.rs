//! Training's long pre-tokens (text without whitespace is one pre-token: CJK, base64, a run of one
//! letter). Rescanning a word at every merge that touches it costs its length each time (200 MB in one
//! word: ~290 s for 744 merges); here each pair keeps the positions where it was formed, so a merge costs
//! its pair's occurrences, and only the pairs beside each site change (SentencePiece's BPE trainer keeps
//! such position sets). The words sit one after another in one `NodeList`, `SEP` between them.
//! Positions stay in a list when their pair is destroyed; they are checked when the pair is merged.

use super::{pair, Counts, Pair};
use crate::fxhash::FxHashMap;
use crate::node_list::{NodeList, Sym};
use crate::pos_list::PosList;

pub(super) enum Nodes {
    Narrow(NodeList<u16>),
    Wide(NodeList<u32>),
}

pub(super) struct LongWords {
    pub(super) nodes: Nodes,
    /// (first position, count) of each word, in position order.
    words: Vec<(usize, u64)>,
    /// Where each pair was formed, ascending: every live occurrence is here, stale ones too.
    lists: FxHashMap<Pair, PosList>,
    /// The first id `nodes` must hold as `u32` (tests lower it).
    pub(super) widen_at: u32,
}

/// Collects long words while `Trainer::new` reads the counts: byte pairs are counted in flat tables
/// (a 200 MB word is 200M pairs: no hash lookup each).
#[derive(Default)]
pub(super) struct Builder {
    nodes: Option<NodeList<u16>>,
    words: Vec<(usize, u64)>,
    counts: Vec<u64>,
    lists: Vec<PosList>,
}

impl Builder {
    pub(super) fn add(&mut self, word: &[u8], n: u64) {
        if n == 0 {
            return; // only a hand-made buffer has these; a zero-count pair must not enter the map
        }
        let nodes = self.nodes.get_or_insert_with(|| {
            let mut l = NodeList::with_capacity(word.len() + 1);
            l.push_sep();
            l
        });
        if self.counts.is_empty() {
            self.counts = vec![0; 1 << 16];
            self.lists.resize_with(1 << 16, PosList::default);
        }
        let start = nodes.len();
        self.words.push((start, n));
        for (i, ab) in word.windows(2).enumerate() {
            let k = (ab[0] as usize) << 8 | ab[1] as usize;
            self.counts[k] += n;
            self.lists[k].push((start + i) as u64);
        }
        for &b in word {
            nodes.push_node(b as u32);
        }
        nodes.push_sep();
    }

    /// The long words, with their byte pairs' counts added to `counts`.
    pub(super) fn finish(self, counts: &mut Counts) -> LongWords {
        let mut lists = FxHashMap::default();
        for (k, list) in self.lists.into_iter().enumerate() {
            if self.counts[k] > 0 {
                let p = pair((k >> 8) as u32, (k & 0xff) as u32);
                let mut list = list;
                list.shrink_to_fit();
                counts.add(p, self.counts[k]);
                lists.insert(p, list);
            }
        }
        counts.fresh.clear(); // `Trainer::new` pushes every pair to the heap itself
        LongWords {
            nodes: Nodes::Narrow(self.nodes.unwrap_or_else(|| NodeList::with_capacity(0))),
            words: self.words,
            lists,
            widen_at: u16::LIMIT,
        }
    }
}

impl LongWords {
    pub(super) fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Merges every occurrence of `best` = (a, b) into token `new`, updating the neighbouring pairs.
    pub(super) fn merge(&mut self, best: Pair, new: u32, lens: &[usize], counts: &mut Counts) {
        let Some(list) = self.lists.remove(&best) else {
            return;
        };
        if new >= self.widen_at {
            if let Nodes::Narrow(n) = &mut self.nodes {
                let narrow = std::mem::replace(n, NodeList::with_capacity(0));
                self.nodes = Nodes::Wide(narrow.widen());
            }
        }
        let site = Site {
            words: &self.words,
            lists: &mut self.lists,
            lens,
            counts,
            best,
            new,
        };
        match &mut self.nodes {
            Nodes::Narrow(n) => site.merge_all(n, &list),
            Nodes::Wide(n) => site.merge_all(n, &list),
        }
        // Lists grow only in the pass that forms their pair (one with the new token): this one.
        for p in &counts.fresh {
            if let Some(l) = self.lists.get_mut(p) {
                l.shrink_to_fit();
            }
        }
    }

    /// Drops the position lists of pairs that no longer occur (count 0: every entry is stale).
    pub(super) fn forget(&mut self, pair: Pair) {
        self.lists.remove(&pair);
    }

    #[cfg(test)]
    pub(super) fn words(&self, lens: &[usize]) -> Vec<Vec<u32>> {
        let len = |id: u32| lens[id as usize];
        self.words
            .iter()
            .map(|&(start, _)| match &self.nodes {
                Nodes::Narrow(n) => n.ids_from(start, len).collect(),
                Nodes::Wide(n) => n.ids_from(start, len).collect(),
            })
            .collect()
    }
}

struct Site<'a> {
    words: &'a [(usize, u64)],
    lists: &'a mut FxHashMap<Pair, PosList>,
    lens: &'a [usize],
    counts: &'a mut Counts,
    best: Pair,
    new: u32,
}

impl Site<'_> {
    /// Visits `list` in ascending order, so sites merge left to right without overlap ("a a a" with
    /// (a, a) gives "aa a", as the short-word pass does): a position whose node was joined into the one
    /// before it is no longer a start. The counts end where the short-word pass leaves them, without its
    /// detour: when the right neighbour is the next site, (new, a) is neither added nor taken back there
    /// (in "abab…" or "aaaa…" that detour emptied and refilled a map entry at every site).
    fn merge_all<S: Sym>(mut self, nodes: &mut NodeList<S>, list: &PosList) {
        let (a, b) = ((self.best >> 32) as u32, self.best as u32);
        let lens = self.lens;
        let (la, lb) = (lens[a as usize], lens[b as usize]);
        let mut word = 0; // index in `words` of the word holding the current position
        let mut next_site = usize::MAX; // a site whose left pair (new, a) was never added
        for p in list.iter() {
            let p = p as usize;
            if nodes.node_at(p) != Some(a) || nodes.next_id(p + la) != Some(b) {
                continue;
            }
            if self.words.get(word + 1).is_some_and(|w| w.0 <= p) {
                word = self.words.partition_point(|w| w.0 <= p) - 1;
            }
            let n = self.words[word].1;
            if let Some((left_at, left)) = nodes.before(p, |id| lens[id as usize]) {
                if p != next_site {
                    self.counts.dec(pair(left, a), n);
                }
                self.add(pair(left, self.new), n, left_at);
            }
            let after = p + la + lb;
            if let Some(right) = nodes.next_id(after) {
                self.counts.dec(pair(b, right), n);
                if right == a && nodes.next_id(after + la) == Some(b) {
                    next_site = after;
                } else {
                    self.add(pair(self.new, right), n, p);
                }
            }
            nodes.join(p, p + la, after - 1, self.new);
        }
    }

    /// A pair formed at `at`: count it and list the position. Lists stay ascending: a pair is formed only
    /// in the pass that creates its newer token, and that pass goes left to right.
    #[inline]
    fn add(&mut self, p: Pair, n: u64, at: usize) {
        self.counts.add(p, n);
        self.lists.entry(p).or_default().push(at as u64);
    }
}
