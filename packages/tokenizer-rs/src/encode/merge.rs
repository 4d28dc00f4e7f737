//! BPE merge by rank inside one pre-token (CS336 §2.6 "Encoding"; tiktoken's `byte_pair_merge`): start from
//! the byte tokens, repeatedly merge the adjacent pair with the lowest rank (leftmost on ties) until no
//! adjacent pair has a merge. `merge_reference` is the slow, obviously-correct version the fast ones are
//! tested against; the fast path picks a linear min-scan for short pieces, a heap for longer ones, and
//! rank buckets for pieces of `LONG_PIECE` bytes and more (merge/long.rs).
//! Merges are looked up through a closure `(left id, right id) → Option<Merge>`, so the same loops serve
//! eager merge tables and rank-based tokenizers whose pair merges are derived lazily (rules.rs).

mod long;

pub use long::merge_long;

use crate::encode::hash::Merge;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Pieces longer than this skip the byte-id copy and the heap for `merge_long` (merge/long.rs): its
/// buckets beat the heap once the heap outgrows the caches, and its memory is a quarter of the copy's.
pub const LONG_PIECE: usize = 1 << 12;

/// Pieces longer than this use the O(n log n) heap merge; shorter ones the O(n²) scan, which wins on
/// the short words that dominate text (fewer branches, everything in one cache line or two).
const HEAP_THRESHOLD: usize = 96;

const NONE: u32 = u32::MAX;

/// Slow and plain: recompute every adjacent pair's rank after each merge.
#[cfg(test)]
pub fn merge_reference(mut table: impl FnMut(u32, u32) -> Option<Merge>, mut parts: Vec<u32>) -> Vec<u32> {
    loop {
        let mut best: Option<(usize, Merge)> = None;
        for i in 0..parts.len().saturating_sub(1) {
            if let Some(m) = table(parts[i], parts[i + 1]) {
                if best.is_none_or(|(_, b)| m.rank < b.rank) {
                    best = Some((i, m));
                }
            }
        }
        match best {
            None => return parts,
            Some((i, m)) => {
                parts[i] = m.id;
                parts.remove(i + 1);
            }
        }
    }
}

/// Merges `parts` (token ids, initially one per byte) in place.
#[inline]
pub fn merge_in_place(table: &mut impl FnMut(u32, u32) -> Option<Merge>, parts: &mut Vec<u32>) {
    if parts.len() < 2 {
        return;
    }
    if parts.len() > HEAP_THRESHOLD {
        merge_heap(table, parts)
    } else {
        merge_scan(table, parts)
    }
}

const NO_MERGE: Merge = Merge { rank: NONE, id: NONE };

#[inline]
fn merge_of(table: &mut impl FnMut(u32, u32) -> Option<Merge>, l: u32, r: u32) -> Merge {
    table(l, r).unwrap_or(NO_MERGE)
}

/// Pieces up to this length keep their pair merges on the stack (no allocation per cache miss).
const STACK_PAIRS: usize = HEAP_THRESHOLD;

/// merges[i] caches the merge of (parts[i], parts[i+1]); after a merge only the two neighbours change.
fn merge_scan(table: &mut impl FnMut(u32, u32) -> Option<Merge>, parts: &mut Vec<u32>) {
    let mut buf = [NO_MERGE; STACK_PAIRS];
    let mut n = parts.len() - 1;
    let merges = &mut buf[..n.min(STACK_PAIRS)];
    for (i, m) in merges.iter_mut().enumerate() {
        *m = merge_of(table, parts[i], parts[i + 1]);
    }
    loop {
        let mut best = NONE;
        let mut at = 0;
        for (i, m) in merges[..n].iter().enumerate() {
            if m.rank < best {
                best = m.rank;
                at = i;
            }
        }
        if best == NONE {
            return;
        }
        parts[at] = merges[at].id;
        parts.remove(at + 1);
        merges.copy_within(at + 1..n, at);
        n -= 1;
        if at < n {
            merges[at] = merge_of(table, parts[at], parts[at + 1]);
        }
        if at > 0 {
            merges[at - 1] = merge_of(table, parts[at - 1], parts[at]);
        }
    }
}

/// tiktoken's `byte_pair_merge` for rank-based vocabularies: the parts are contiguous ranges of `piece`,
/// and merging parts i and i+1 gives the token whose bytes are their concatenation, `piece[start_i ..
/// end_i+1]`, so `rank(bytes)` (that token's rank, which is also its id, or `NONE`) is looked up on a
/// subslice: no pair memo, no concatenation copy. Returns false for pieces longer than the stack buffers
/// (the caller then uses `merge_in_place`). Same order as `merge_scan`: lowest rank, leftmost on ties.
#[inline]
pub fn merge_slices(piece: &[u8], rank: &mut impl FnMut(&[u8]) -> u32, parts: &mut Vec<u32>) -> bool {
    let n = parts.len();
    if n < 2 {
        return true;
    }
    if n > STACK_PAIRS || n != piece.len() {
        return false;
    }
    let mut start = [0u8; STACK_PAIRS + 1];
    for (i, s) in start[..=n].iter_mut().enumerate() {
        *s = i as u8;
    }
    let mut ranks = [NONE; STACK_PAIRS];
    let mut pairs = n - 1;
    for (i, r) in ranks[..pairs].iter_mut().enumerate() {
        *r = rank(&piece[i..i + 2]);
    }
    loop {
        let mut best = NONE;
        let mut at = 0;
        for (i, &r) in ranks[..pairs].iter().enumerate() {
            if r < best {
                best = r;
                at = i;
            }
        }
        if best == NONE {
            return true;
        }
        parts[at] = best;
        parts.remove(at + 1);
        start.copy_within(at + 2..pairs + 2, at + 1);
        ranks.copy_within(at + 1..pairs, at);
        pairs -= 1;
        let span = |i: usize| start[i] as usize..start[i + 2] as usize;
        if at < pairs {
            ranks[at] = rank(&piece[span(at)]);
        }
        if at > 0 {
            ranks[at - 1] = rank(&piece[span(at - 1)]);
        }
    }
}

/// Doubly linked list over the original positions plus a min-heap of (rank, position) with lazy
/// invalidation: a popped entry is stale when either node changed since it was pushed. Ties on rank pop
/// the lowest position, which is the leftmost pair, matching the scan and the reference.
fn merge_heap(table: &mut impl FnMut(u32, u32) -> Option<Merge>, parts: &mut Vec<u32>) {
    let n = parts.len();
    let mut ids = parts.clone();
    let mut next: Vec<u32> = (1..=n as u32).collect();
    let mut prev: Vec<u32> = (0..n as u32).map(|i| i.wrapping_sub(1)).collect();
    next[n - 1] = NONE;
    let mut alive = vec![true; n];
    let mut heap: BinaryHeap<Reverse<(u32, u32, u32, u32)>> = BinaryHeap::with_capacity(n);
    for i in 0..n - 1 {
        if let Some(m) = table(ids[i], ids[i + 1]) {
            heap.push(Reverse((m.rank, i as u32, ids[i], ids[i + 1])));
        }
    }
    while let Some(Reverse((rank, pos, l, r))) = heap.pop() {
        let p = pos as usize;
        let q = next[p];
        if !alive[p] || q == NONE || ids[p] != l || ids[q as usize] != r {
            continue;
        }
        let m = match table(l, r) {
            Some(m) if m.rank == rank => m,
            _ => continue,
        };
        let q = q as usize;
        ids[p] = m.id;
        alive[q] = false;
        let after = next[q];
        next[p] = after;
        if after != NONE {
            prev[after as usize] = p as u32;
            if let Some(m2) = table(ids[p], ids[after as usize]) {
                heap.push(Reverse((m2.rank, p as u32, ids[p], ids[after as usize])));
            }
        }
        let before = prev[p];
        if before != NONE {
            if let Some(m2) = table(ids[before as usize], ids[p]) {
                heap.push(Reverse((m2.rank, before, ids[before as usize], ids[p])));
            }
        }
    }
    parts.clear();
    let mut i = 0u32;
    while i != NONE {
        parts.push(ids[i as usize]);
        i = next[i as usize];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::hash::PairMap;

    /// A toy table over ids 0..4 where merges create ids 10.. and can chain and overlap.
    fn table(seed: u64, pairs: usize) -> PairMap {
        let mut t = PairMap::with_capacity(pairs);
        let mut x = seed | 1;
        let mut next_id = 10u32;
        let mut known: Vec<u32> = vec![0, 1, 2, 3];
        for rank in 0..pairs as u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let l = known[(x % known.len() as u64) as usize];
            let r = known[((x >> 24) % known.len() as u64) as usize];
            if t.insert_min(l, r, Merge { rank, id: next_id }) {
                known.push(next_id);
                next_id += 1;
            }
        }
        t
    }

    #[test]
    fn scan_and_heap_agree_with_reference() {
        let mut x: u64 = 99;
        for case in 0..3000u64 {
            let t = table(case * 7 + 1, 1 + (case % 40) as usize);
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 300) as usize;
            let parts: Vec<u32> = (0..len)
                .map(|i| ((x >> (i % 60)) % 4) as u32 ^ ((i as u32 % 3) & 1))
                .collect();
            let mut get = |l, r| t.get(l, r);
            let want = merge_reference(get, parts.clone());
            let mut scan = parts.clone();
            if (2..=HEAP_THRESHOLD).contains(&len) {
                merge_scan(&mut get, &mut scan);
            } else {
                merge_in_place(&mut get, &mut scan);
            }
            assert_eq!(scan, want, "scan, case {case}");
            if len >= 2 {
                let mut heap = parts.clone();
                merge_heap(&mut get, &mut heap);
                assert_eq!(heap, want, "heap, case {case}");
            }
        }
    }

    #[test]
    fn slices_agree_with_the_pair_merge_over_rank_vocabularies() {
        // A rank vocabulary over bytes a..d: every byte, then random strings; a pair merges when its
        // concatenation is a token, ranked (and identified) by that token's index.
        let mut x: u64 = 5;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for case in 0..300 {
            let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
            for _ in 0..(20 + case % 60) {
                let len = 2 + (next() % 5) as usize;
                let t: Vec<u8> = (0..len).map(|_| b'a' + (next() % 4) as u8).collect();
                if !tokens.contains(&t) {
                    tokens.push(t);
                }
            }
            let id_of = |b: &[u8]| tokens.iter().position(|t| t == b).map(|i| i as u32);
            let len = (next() % 40) as usize;
            let piece: Vec<u8> = (0..len).map(|_| b'a' + (next() % 4) as u8).collect();
            let mut pair = |l: u32, r: u32| {
                let joined = [tokens[l as usize].clone(), tokens[r as usize].clone()].concat();
                id_of(&joined).map(|id| Merge { rank: id, id })
            };
            let mut want: Vec<u32> = piece.iter().map(|&b| b as u32).collect();
            merge_in_place(&mut pair, &mut want);
            let mut got: Vec<u32> = piece.iter().map(|&b| b as u32).collect();
            assert!(merge_slices(&piece, &mut |b| id_of(b).unwrap_or(NONE), &mut got));
            assert_eq!(got, want, "case {case}");
        }
    }

    #[test]
    fn lowest_rank_first_then_leftmost() {
        let mut t = PairMap::with_capacity(4);
        t.insert_min(0, 0, Merge { rank: 0, id: 5 }); // "aa"
        t.insert_min(5, 0, Merge { rank: 1, id: 6 }); // "aa"+"a"
        let mut get = |l, r| t.get(l, r);
        let mut p = vec![0, 0, 0];
        merge_in_place(&mut get, &mut p);
        assert_eq!(p, vec![6]);
        let mut p = vec![0, 0, 0, 0];
        merge_in_place(&mut get, &mut p);
        assert_eq!(p, vec![5, 5]);
    }
}
