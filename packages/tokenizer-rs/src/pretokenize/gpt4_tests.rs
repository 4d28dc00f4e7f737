//! Fixed cases for the cl100k_base and o200k_base scanners, each checked against tiktoken's split of the
//! same text (test/gpt4-pretokenize.test.ts runs both against JavaScript regexes of the patterns).

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
