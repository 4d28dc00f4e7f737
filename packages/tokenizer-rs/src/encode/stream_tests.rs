//! Streaming must equal whole-text encoding for every chunking; the policy must split, pass through or
//! reject special tokens as asked. Uses a small BPE trained here on a toy text, so merges chain.

use super::*;
use crate::pretokenize::pretokenize;

fn rng(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// Greedy BPE over the pre-tokens of `text` (most frequent pair, ties to the greater pair): enough to
/// produce realistic chained merges for the tests.
fn toy_encoder(text: &str, merges: usize, specials: &[&str]) -> Encoder {
    let mut words: Vec<Vec<Vec<u8>>> = pretokenize(text)
        .map(|p| p.bytes().map(|b| vec![b]).collect())
        .collect();
    let mut vocab: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
    let mut list = Vec::new();
    for _ in 0..merges {
        let mut counts: std::collections::BTreeMap<(Vec<u8>, Vec<u8>), usize> = Default::default();
        for w in &words {
            for p in w.windows(2) {
                *counts.entry((p[0].clone(), p[1].clone())).or_default() += 1;
            }
        }
        let Some(best) = counts
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(a.0.cmp(b.0)))
            .map(|(k, _)| k.clone())
        else {
            break;
        };
        let joined = [best.0.clone(), best.1.clone()].concat();
        for w in &mut words {
            let mut i = 0;
            while i + 1 < w.len() {
                if w[i] == best.0 && w[i + 1] == best.1 {
                    w[i] = joined.clone();
                    w.remove(i + 1);
                }
                i += 1;
            }
        }
        vocab.push(joined);
        list.push(best);
    }
    let sp: Vec<String> = specials.iter().map(|s| s.to_string()).collect();
    Encoder::from_merges(&vocab, &list, &sp).unwrap()
}

const TEXT: &str = "the cat's in the hat; they'll see it's there\n\n  and    the ther 123 4567 éé日本 hat!! ";
const SPECIALS: [&str; 3] = ["<|eot|>", "<|eot|><|eot|>", "<s>"];

fn stream(e: &mut Encoder, chunks: &[&[u8]], policy: &SpecialPolicy) -> Result<Vec<u32>> {
    let mut out = Vec::new();
    let mut carry: Vec<u8> = Vec::new();
    let mut base = 0u64;
    for c in chunks {
        carry.extend_from_slice(c);
        let used = e.encode_prefix(&carry, policy, false, base, &mut out)?;
        base += used as u64;
        carry.drain(..used);
        assert!(carry.len() <= 64 + c.len(), "carry grew to {}", carry.len());
    }
    e.encode_prefix(&carry, policy, true, base, &mut out)?;
    Ok(out)
}

fn random_text(seed: &mut u64) -> String {
    const PARTS: [&str; 20] = [
        "the", " cat", "'s", "'l", "l", "'", "ve", " ", "  ", "\n", "\n\n", "1", "23", "é", "日本", "!!",
        "<|eot|>", "<|eo", "<s>", "t|>",
    ];
    let n = (rng(seed) % 30) as usize;
    (0..n)
        .map(|_| PARTS[(rng(seed) % PARTS.len() as u64) as usize])
        .collect()
}

#[test]
fn any_chunking_equals_whole_encoding() {
    let mut e = toy_encoder(&TEXT.repeat(3), 60, &SPECIALS);
    let mut seed = 7u64;
    let policies = [
        SpecialPolicy::all_special(3),
        SpecialPolicy {
            allowed: vec![true, false, false],
            disallowed: vec![false; 3],
        },
        SpecialPolicy {
            allowed: vec![false; 3],
            disallowed: vec![false; 3],
        },
    ];
    for case in 0..1500 {
        let text = random_text(&mut seed);
        let policy = &policies[case % 3];
        let mut whole = Vec::new();
        e.encode_with(&text, policy, &mut whole).unwrap();
        let b = text.as_bytes();
        let mut cuts: Vec<usize> = (0..(rng(&mut seed) % 6))
            .map(|_| (rng(&mut seed) as usize) % (b.len() + 1))
            .collect();
        cuts.sort();
        let mut chunks = Vec::new();
        let mut prev = 0;
        for c in cuts.into_iter().chain([b.len()]) {
            chunks.push(&b[prev..c]);
            prev = c;
        }
        let got = stream(&mut e, &chunks, policy).unwrap();
        assert_eq!(got, whole, "case {case}: {text:?} in {chunks:?}");
        let one_byte: Vec<&[u8]> = b.chunks(1).collect();
        assert_eq!(
            stream(&mut e, &one_byte, policy).unwrap(),
            whole,
            "byte by byte: {text:?}"
        );
    }
}

#[test]
fn overlapping_specials_longest_wins_and_policy_narrows() {
    let mut e = toy_encoder(TEXT, 20, &SPECIALS);
    let ids = e.special_ids().to_vec();
    assert_eq!(e.encode("<|eot|><|eot|>"), vec![ids[1]]);
    assert_eq!(e.encode("<|eot|><|eot|><|eot|>"), vec![ids[1], ids[0]]);
    let only_single = SpecialPolicy::from_names(&e, Some(&["<|eot|>".to_string()]), &[]).unwrap();
    let mut out = Vec::new();
    e.encode_with("<|eot|><|eot|><s>", &only_single, &mut out)
        .unwrap();
    let mut plain = Vec::new();
    e.encode_ordinary("<s>", &mut plain);
    assert_eq!(out, [vec![ids[0], ids[0]], plain].concat());
}

#[test]
fn disallowed_special_is_an_error_naming_it_even_across_chunks() {
    let mut e = toy_encoder(TEXT, 20, &SPECIALS);
    let p = SpecialPolicy::from_names(&e, Some(&[]), &["<s>".to_string()]).unwrap();
    let err = e.encode_with("a <s> b", &p, &mut Vec::new()).unwrap_err();
    assert_eq!(err, Error::DisallowedSpecialToken { token: "<s>".into() });
    assert!(err.to_string().contains("allowedSpecial"));
    for cut in 0..=7 {
        let t = b"ab c<s>d";
        let r = stream(&mut e, &[&t[..cut], &t[cut..]], &p);
        assert_eq!(
            r.unwrap_err(),
            Error::DisallowedSpecialToken { token: "<s>".into() },
            "cut {cut}"
        );
    }
    let unknown = SpecialPolicy::from_names(&e, Some(&["<x>".to_string()]), &[]).unwrap_err();
    assert!(matches!(unknown, Error::UnknownSpecialToken { .. }));
}

#[test]
fn invalid_utf8_reports_the_absolute_offset() {
    let mut e = toy_encoder(TEXT, 5, &[]);
    let p = SpecialPolicy::all_special(0);
    let err = stream(&mut e, &[b"hello ", b"w\xffrld"], &p).unwrap_err();
    assert_eq!(err, Error::InvalidUtf8 { offset: 7 });
    // A character split across chunks is fine.
    let s = "日本".as_bytes();
    assert_eq!(
        stream(&mut e, &[&s[..2], &s[2..4], &s[4..]], &p).unwrap(),
        e.encode("日本")
    );
}

/// The streaming encoder's rule (`encode_all_but_last_two`): holding back one pre-token is not enough, as
/// with `'l` + `l` the token before the last also changes ("x'l" → x ' l, "x'll" → x 'll); two suffice.
#[test]
fn two_pretokens_suffice_for_stability() {
    let full_cases = [
        "x'll",
        "it's  a\n\n test's 12 3 ok?!  \r\nend",
        "a 've 're' 'd",
        "  \u{3000}x'v'e",
    ];
    for full in full_cases {
        let full_toks: Vec<&str> = pretokenize(full).collect();
        for cut in (0..=full.len()).filter(|&i| full.is_char_boundary(i)) {
            let head = &full[..cut];
            let toks: Vec<&str> = pretokenize(head).collect();
            let keep = toks.len().saturating_sub(2);
            assert_eq!(&full_toks[..keep], &toks[..keep], "{full:?} cut {cut}");
        }
    }
}

#[test]
fn batch_equals_each_text_alone_and_names_absolute_offsets() {
    let corpus = "the cat sat on the mat. the hat! <|e|> the end";
    let mut e = toy_encoder(corpus, 20, &["<|e|>"]);
    let texts = ["the cat", "", " sat<|e|>on", "the mat. the hat!"];
    let policy = SpecialPolicy::all_special(1);
    let (mut text, mut ends) = (Vec::new(), Vec::new());
    for t in texts {
        text.extend_from_slice(t.as_bytes());
        ends.push(text.len() as u32);
    }
    let (mut out, mut id_ends) = (Vec::new(), Vec::new());
    e.encode_batch(&text, &ends, &policy, &mut out, &mut id_ends)
        .unwrap();
    let mut want = Vec::new();
    let mut want_ends = Vec::new();
    for t in texts {
        want.extend(e.encode(t));
        want_ends.push(want.len() as u32);
    }
    assert_eq!((out, id_ends), (want, want_ends));

    // Text 1 starts at byte 3; its bad byte at index 1 is byte 4 of the batch.
    let (mut out, mut id_ends) = (Vec::new(), Vec::new());
    let err = e.encode_batch(b"abcd\xffe", &[3, 6], &policy, &mut out, &mut id_ends);
    assert_eq!(err, Err(Error::InvalidUtf8 { offset: 4 }));
    assert_eq!(id_ends.len(), 1);
    let err = e.encode_batch(b"ab", &[3], &policy, &mut out, &mut id_ends);
    assert!(matches!(err, Err(Error::MalformedBuffer { offset: 3, .. })));
}
