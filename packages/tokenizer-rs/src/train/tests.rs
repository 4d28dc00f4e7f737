//! Training against the slow, obviously-correct trainer (`naive`), and the long-word path against the
//! short-word one (the same merges and the same final words whichever path a word takes).

use super::*;
use crate::special::SpecialTokens;
use std::collections::BTreeMap;

fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

fn merged_bytes(t: &Trainer) -> Vec<(Vec<u8>, Vec<u8>)> {
    t.merges()
        .iter()
        .map(|&(a, b)| (t.token(a), t.token(b)))
        .collect()
}

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

/// Words from `alphabet`, each of `len` bytes (or a random length below it) with a random count.
fn random_words(next: &mut impl FnMut() -> u64, words: usize, len: u64, alphabet: &[u8]) -> PretokenCounts {
    let mut counts = PretokenCounts::new();
    for _ in 0..words {
        let n = 1 + next() % len;
        let word: Vec<u8> = (0..n)
            .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
            .collect();
        counts.add(&word, 1 + next() % 4);
    }
    counts
}

#[test]
fn long_words_match_naive_trainer() {
    // 2,000-byte words from a 3-letter alphabet (several words, so counts differ per word), then one
    // 50 kB word of two letters with runs: the cases where a merge site's neighbours are merge sites too.
    let mut next = xorshift(0x243f_6a88_85a3_08d3);
    for round in 0..2 {
        let mut counts = PretokenCounts::new();
        for _ in 0..6 {
            let word: Vec<u8> = (0..2000).map(|_| b"abc"[(next() % 3) as usize]).collect();
            counts.add(&word, 1 + next() % 3);
        }
        counts.add(b"abcabc", 5 + round);
        let mut t = Trainer::new(&counts);
        assert!(!t.long.is_empty());
        t.step(120);
        assert_eq!(merged_bytes(&t), naive(&counts, 120), "round {round}");
    }
    let mut counts = PretokenCounts::new();
    let word: Vec<u8> = (0..50_000)
        .map(|_| if next() % 5 < 3 { b'x' } else { b'y' })
        .collect();
    counts.add(&word, 1);
    let mut t = Trainer::new(&counts);
    t.step(40);
    assert_eq!(merged_bytes(&t), naive(&counts, 40));
}

#[test]
fn long_word_path_matches_short_word_path() {
    // Every word through position lists (long_from 0) against every word rescanned (long_from MAX):
    // the same merges, and the same symbols left in every word. Tiny alphabets make runs and ties.
    let mut next = xorshift(0x1319_8a2e_0370_7344);
    for case in 0..200 {
        let alphabet: &[u8] = [&b"a"[..], b"ab", b"aab", b"abcd"][case % 4];
        let counts = random_words(&mut next, 1 + case % 25, 1 + (case as u64 % 7) * 9, alphabet);
        let (mut long, mut short) = (
            Trainer::with_long_words(&counts, case % 3),
            Trainer::with_long_words(&counts, usize::MAX),
        );
        assert_eq!(long.step(400), short.step(400), "case {case}");
        assert_eq!(long.merges(), short.merges(), "case {case}");
        let lens = long.tokens.lens();
        let mut from_long = long.long.words(lens);
        from_long.extend(long.words.all());
        let mut from_short = short.words.all();
        from_long.sort();
        from_short.sort();
        assert_eq!(from_long, from_short, "case {case}");
    }
}

#[test]
fn long_words_of_one_letter() {
    // One repeated letter: merges double the token while the run allows, which tests the long-token
    // comparisons (past 1 KiB) and runs whose length is not a power of two.
    for len in [3_001usize, 40_000] {
        let mut counts = PretokenCounts::new();
        counts.add(&vec![b'a'; len], 2);
        counts.add(&vec![b'a'; len / 3], 1);
        counts.add(b"aaab", 7);
        let mut t = Trainer::new(&counts);
        let done = t.step(1000);
        assert_eq!(merged_bytes(&t), naive(&counts, 1000), "len {len}");
        assert_eq!(done, t.merges().len());
    }
}

#[test]
fn narrow_ids_widen() {
    // Ids past what u16 holds switch the node list and the short words' records to u32 mid-training
    // (here from id 300 on, which production does at 65,535 and 65,536): the merges go on as before.
    let mut next = xorshift(0xa409_3822_299f_31d0);
    let counts = random_words(&mut next, 200, 300, b"abcdefgh");
    let (mut long, mut short, mut wide) = (
        Trainer::with_long_words(&counts, 0),
        Trainer::with_long_words(&counts, usize::MAX),
        Trainer::with_long_words(&counts, usize::MAX),
    );
    long.long.widen_at = 300;
    wide.words.widen_at = 300;
    assert_eq!(long.step(2000), short.step(2000));
    assert_eq!(wide.step(2000), 2000);
    assert!(matches!(long.long.nodes, long_words::Nodes::Wide(_)));
    assert!(wide.words.is_wide() && !short.words.is_wide());
    assert_eq!(long.merges(), short.merges());
    assert_eq!(wide.merges(), short.merges());
    assert_eq!(wide.words.all(), short.words.all());
}
