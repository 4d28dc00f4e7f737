//! Merging one long pre-token (text without whitespace: a whole file of CJK, base64 or one letter is one
//! piece). The heap merge's binary heap of (rank, position) holds every pair of the piece: past a few
//! MB each pop misses cache at most levels (0.8–1.2 s per MB, 34x the input in memory). Here pending
//! positions sit in one bucket per rank, a `PosList` each (about a byte a position), and ranks are taken
//! in increasing order (a small heap of ranks), each bucket's positions left to right: the same order as
//! the heap's (rank, position), so the same ids. The piece itself is a `NodeList` (2 bytes a byte).

use super::Merge;
use crate::encode::VocabTable;
use crate::fxhash::FxHashMap;
use crate::node_list::{NodeList, Sym};
use crate::pos_list::PosList;
use std::cmp::Reverse;
use std::collections::hash_map::Entry;
use std::collections::BinaryHeap;

/// Appends the ids of `piece` (bytes mapped by `byte_ids`) merged by `table`, which gives merges
/// whose ids are tokens of `vocab` (their byte lengths are the spans they cover).
pub fn merge_long(
    piece: &[u8],
    byte_ids: &[u32; 256],
    vocab: &VocabTable,
    table: &mut impl FnMut(u32, u32) -> Option<Merge>,
    out: &mut Vec<u32>,
) {
    let ids = piece.iter().map(|&b| byte_ids[b as usize]);
    let span = |id: u32| vocab.get(id).map_or(1, <[u8]>::len);
    if vocab.len() < u16::LIMIT as usize {
        merge_ids::<u16>(ids, piece.len(), table, span, out)
    } else {
        merge_ids::<u32>(ids, piece.len(), table, span, out)
    }
}

/// Pending (rank, position) pairs: a bucket per rank, and the ranks that have one.
#[derive(Default)]
struct Queue {
    buckets: FxHashMap<u32, PosList>,
    ranks: BinaryHeap<Reverse<u32>>,
}

impl Queue {
    #[inline]
    fn push(&mut self, rank: u32, at: usize) {
        match self.buckets.entry(rank) {
            Entry::Occupied(mut e) => e.get_mut().push(at as u64),
            Entry::Vacant(e) => {
                e.insert(PosList::default()).push(at as u64);
                self.ranks.push(Reverse(rank));
            }
        }
    }
}

/// Merges `n` ids, where a token covers `span(id)` of them (1 for each initial id).
pub(super) fn merge_ids<S: Sym>(
    ids: impl Iterator<Item = u32>,
    n: usize,
    table: &mut impl FnMut(u32, u32) -> Option<Merge>,
    span: impl Fn(u32) -> usize,
    out: &mut Vec<u32>,
) {
    let mut nodes = NodeList::<S>::with_capacity(n + 2);
    let mut queue = Queue::default();
    nodes.push_sep();
    let mut prev = None;
    for (i, id) in ids.enumerate() {
        nodes.push_node(id);
        if let Some(m) = prev.and_then(|p| table(p, id)) {
            queue.push(m.rank, i); // the pair's left node: id i - 1, at position i (after the SEP)
        }
        prev = Some(id);
    }
    nodes.push_sep();
    while let Some(Reverse(rank)) = queue.ranks.pop() {
        let Some(bucket) = queue.buckets.remove(&rank) else {
            continue;
        };
        // Appended in order almost always; a bucket refilled after a lower rank came back is sorted here.
        if bucket.is_sorted() {
            drain(&mut nodes, &mut queue, table, &span, rank, bucket.iter());
        } else {
            let mut at: Vec<u64> = bucket.iter().collect();
            at.sort_unstable();
            at.dedup();
            drain(&mut nodes, &mut queue, table, &span, rank, at.into_iter());
        }
    }
    out.extend(nodes.ids_from(1, span));
}

/// Merges the sites of `rank` at the given positions (ascending). A merge can form a pair whose rank is
/// not above `rank` (a vocabulary need not rank a token after its parts); the rest of the bucket then
/// goes back to the queue, so that pair is merged first, as the heap would.
fn drain<S: Sym>(
    nodes: &mut NodeList<S>,
    queue: &mut Queue,
    table: &mut impl FnMut(u32, u32) -> Option<Merge>,
    span: &impl Fn(u32) -> usize,
    rank: u32,
    mut sites: impl Iterator<Item = u64>,
) {
    while let Some(p) = sites.next() {
        let p = p as usize;
        let Some(a) = nodes.node_at(p) else { continue };
        let q = p + span(a);
        let Some(b) = nodes.next_id(q) else { continue };
        let Some(m) = table(a, b).filter(|m| m.rank == rank) else {
            continue;
        };
        let end = q + span(b) - 1;
        nodes.join(p, q, end, m.id);
        let mut lower = false;
        if let Some((left_at, left)) = nodes.before(p, span) {
            if let Some(m2) = table(left, m.id) {
                queue.push(m2.rank, left_at);
                lower |= m2.rank <= rank;
            }
        }
        if let Some(right) = nodes.next_id(end + 1) {
            if let Some(m2) = table(m.id, right) {
                queue.push(m2.rank, p);
                lower |= m2.rank <= rank;
            }
        }
        if lower {
            for p in sites {
                queue.push(rank, p as usize);
            }
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::hash::PairMap;
    use crate::encode::merge::{merge_heap, merge_reference, LONG_PIECE};

    /// A toy merge table over ids 0..4 (merges create ids 10..) and each id's span. With `shuffled`,
    /// ranks are a permutation of creation order, so a merge can form a pair ranked below its own.
    fn table(x: &mut u64, pairs: usize, shuffled: bool) -> (PairMap, Vec<usize>) {
        let mut next = || {
            *x ^= *x << 13;
            *x ^= *x >> 7;
            *x ^= *x << 17;
            *x
        };
        let mut ranks: Vec<u32> = (0..pairs as u32).collect();
        if shuffled {
            for i in (1..ranks.len()).rev() {
                ranks.swap(i, (next() % (i as u64 + 1)) as usize);
            }
        }
        let mut t = PairMap::with_capacity(pairs);
        let mut spans = vec![1; 10];
        let mut known: Vec<u32> = vec![0, 1, 2, 3];
        for &rank in &ranks {
            let l = known[(next() % known.len() as u64) as usize];
            let r = known[(next() % known.len() as u64) as usize];
            let id = spans.len() as u32;
            if t.get(l, r).is_none() && t.insert_min(l, r, Merge { rank, id }) {
                spans.push(spans[l as usize] + spans[r as usize]);
                known.push(id);
            }
        }
        (t, spans)
    }

    #[test]
    fn agrees_with_the_heap_and_the_reference() {
        // Short pieces against the reference, long ones (every 20th) against the heap merge, which the
        // reference checks in merge.rs; shuffled ranks send buckets back to the queue.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for case in 0..800u64 {
            let (t, spans) = table(&mut x, 1 + (case % 50) as usize, case % 2 == 1);
            let len = if case % 20 == 0 { 2000 } else { (x % 120) as usize };
            let parts: Vec<u32> = (0..len)
                .map(|i| ((x >> (i % 50)) % 4) as u32 ^ ((i as u32 / 7) & 1))
                .collect();
            let mut get = |l, r| t.get(l, r);
            let want = if len > 200 {
                let mut heap = parts.clone();
                merge_heap(&mut get, &mut heap);
                heap
            } else {
                merge_reference(get, parts.clone())
            };
            let span = |id: u32| spans[id as usize];
            let mut narrow = Vec::new();
            merge_ids::<u16>(parts.iter().copied(), len, &mut get, span, &mut narrow);
            assert_eq!(narrow, want, "u16, case {case}");
            let mut wide = Vec::new();
            merge_ids::<u32>(parts.iter().copied(), len, &mut get, span, &mut wide);
            assert_eq!(wide, want, "u32, case {case}");
        }
    }

    #[test]
    fn encoder_long_pieces_match_the_heap_merge() {
        // A vocabulary over "abc" (random merges of existing tokens), as merges and as ranks: pieces
        // longer than LONG_PIECE take merge_long inside the encoder; the heap merge is the reference.
        let mut x: u64 = 0x5851_f42d_4c95_7f2d;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut vocab: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        let mut merges = Vec::new();
        let mut known = vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()];
        while merges.len() < 300 {
            let l = known[(next() % known.len() as u64) as usize].clone();
            let r = known[(next() % known.len() as u64) as usize].clone();
            let joined = [l.clone(), r.clone()].concat();
            if joined.len() <= 12 && !vocab.contains(&joined) {
                vocab.push(joined.clone());
                known.push(joined);
                merges.push((l, r));
            }
        }
        let mut by_merges = crate::encode::Encoder::from_merges(&vocab, &merges, &[]).unwrap();
        let mut by_ranks = crate::encode::Encoder::from_ranks(&vocab, &[]).unwrap();
        for (case, len) in [LONG_PIECE + 1, 5000, 20_000].into_iter().enumerate() {
            let piece: Vec<u8> = (0..len)
                .map(|i| {
                    if case == 2 && i % 1000 < 600 {
                        b'a'
                    } else {
                        b"abc"[(next() % 3) as usize]
                    }
                })
                .collect();
            for e in [&mut by_merges, &mut by_ranks] {
                let mut got = Vec::new();
                e.encode_piece(&piece, &mut got);
                let mut want: Vec<u32> = piece.iter().map(|&b| b as u32).collect();
                let (rules, vocab) = (&mut e.rules, &e.vocab);
                merge_heap(&mut |l, r| rules.get(vocab, l, r), &mut want);
                assert_eq!(got, want, "case {case}");
            }
        }
    }
}
