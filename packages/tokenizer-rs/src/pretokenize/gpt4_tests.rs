//! Fixed cases for the cl100k_base and o200k_base scanners, each checked against tiktoken's split of the
//! same text (test/gpt4-pretokenize.test.ts runs both against JavaScript regexes of the patterns), and
//! the property streaming encode relies on under every pattern.

use super::super::{pretokenize_with, Pattern};
use super::*;

fn toks(s: &str, p: Pattern) -> Vec<&str> {
    pretokenize_with(s, p).collect()
}

#[test]
fn cl100k_examples() {
    let c = |s| toks(s, Pattern::Cl100k);
    assert_eq!(c("Hello world"), ["Hello", " world"]);
    assert_eq!(c("it's WE'LL I'ſ"), ["it", "'s", " WE", "'LL", " I", "'ſ"]);
    assert_eq!(c("(hello) !!\n\nx"), ["(hello", ")", " !!\n\n", "x"]);
    assert_eq!(c("12345 ٣٤"), ["123", "45", " ", "٣٤"]);
    assert_eq!(c("  1"), [" ", " ", "1"]);
    assert_eq!(c("a\tb"), ["a", "\tb"]);
    assert_eq!(c("x \n "), ["x", " \n", " "]);
    assert_eq!(c("a \n\n  b"), ["a", " \n\n", " ", " b"]);
    assert_eq!(c("e\u{301}x"), ["e", "\u{301}x"]);
    assert_eq!(c("\u{85}a\u{feff}"), ["\u{85}a", "\u{feff}"]);
    assert_eq!(c(""), Vec::<&str>::new());
}

#[test]
fn o200k_examples() {
    let o = |s| toks(s, Pattern::O200k);
    assert_eq!(
        o("HelloWorld don't DON'T"),
        ["Hello", "World", " don't", " DON'T"]
    );
    assert_eq!(o("ABC's 日本語A"), ["ABC's", " 日本語", "A"]);
    assert_eq!(o("日A"), ["日", "A"]);
    assert_eq!(o("HELLOworld"), ["HELLOworld"]);
    assert_eq!(o("!\n/\nx"), ["!\n/\n", "x"]);
    assert_eq!(o("\u{301} x"), ["\u{301}", " x"]);
    assert_eq!(o("!\u{301}a"), ["!\u{301}a"]);
    assert_eq!(o("1234"), ["123", "4"]);
    assert_eq!(o("x \n "), ["x", " \n", " "]);
}

#[test]
fn ascii_flags_agree_with_the_generated_table() {
    for c in 0..128u32 {
        let want = match c {
            0x0d | 0x0a => NEWLINE,
            _ => FLAGS[crate::unicode_tables::gpt4_class(c) as usize],
        };
        assert_eq!(ASCII[c as usize], want, "{c:#x}");
    }
}

#[test]
fn all_but_the_last_two_pretokens_are_stable_under_every_pattern() {
    // Streaming encode holds back the last two pre-tokens of unterminated text (encode/stream.rs): for
    // cl100k_base's and o200k_base's patterns too, whatever follows must not change the ones before.
    const PARTS: [&str; 24] = [
        "a", "B", "ll", "'", "s", "'S", "1", "23", "4567", " ", "  ", "\t", "\n", "\r\n", "!", "/", "é",
        "\u{301}", "日本", "Ǆ", "ǅ", "\u{3000}", "x'", "DON'T",
    ];
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..4000 {
        let mut full = String::new();
        for _ in 0..(x % 14) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            full.push_str(PARTS[(x % PARTS.len() as u64) as usize]);
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        for p in [Pattern::Gpt2, Pattern::Cl100k, Pattern::O200k] {
            let all = toks(&full, p);
            for cut in (0..=full.len()).filter(|&i| full.is_char_boundary(i)) {
                let head = toks(&full[..cut], p);
                let keep = head.len().saturating_sub(2);
                assert_eq!(all[..keep], head[..keep], "{p:?} {full:?} cut {cut}");
            }
        }
    }
}
