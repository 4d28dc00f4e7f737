//! Safe cuts: where input may be cut into ranges that are processed independently (training Workers
//! count them, encoding Workers encode them) with exactly the pre-tokens and special tokens of the whole:
//! at the start of a special token that is split off, between two ASCII characters of different GPT-2
//! classes (letter, digit, punctuation), or at ASCII whitespace that follows a non-whitespace character
//! of any script. One rule serves both uses, so a wrong cut would show in either one's tests, and every
//! pre-tokenizer pattern (GPT-2's, cl100k_base's, o200k_base's): see `is_safe_cut`.

use crate::unicode_tables::{is_letter, is_number, is_whitespace};

const LETTER: u8 = 1;
const DIGIT: u8 = 2;
const PUNCT: u8 = 3;

/// GPT-2 class of an ASCII byte; 0 for whitespace, control and non-ASCII bytes (never cut next to them
/// by the class rule).
fn class(b: u8) -> u8 {
    match b {
        b'A'..=b'Z' | b'a'..=b'z' => LETTER,
        b'0'..=b'9' => DIGIT,
        0x21..=0x7e => PUNCT,
        _ => 0,
    }
}

/// ASCII whitespace: in `\s` under every definition (JS, Python's `regex`, the generated tables).
fn is_ascii_space(b: u8) -> bool {
    b == b' ' || (0x09..=0x0d).contains(&b)
}

/// Whether the character ending at byte `end - 1` is whitespace. Errs toward "yes" (fewer cuts): besides
/// `\s`, the C0 separators 0x1c-0x1f and U+0085 count, as some regex engines put them in `\s`, and so
/// does malformed UTF-8 (the counter or encoder reports it; no cut is made next to it).
fn ends_in_space(data: &[u8], end: usize) -> bool {
    let last = data[end - 1];
    if last < 0x80 {
        return is_ascii_space(last) || (0x1c..=0x1f).contains(&last);
    }
    let mut start = end - 1;
    while start > 0 && end - start < 4 && data[start] & 0xc0 == 0x80 {
        start -= 1;
    }
    // The first character of the bytes found, as a lossy UTF-8 decoder reads it.
    match data[start..end]
        .utf8_chunks()
        .next()
        .and_then(|c| c.valid().chars().next())
    {
        None | Some('\u{fffd}') => true,
        Some(c) => c == '\u{85}' || is_whitespace(c),
    }
}

fn occurs_at(data: &[u8], i: usize, tok: &[u8]) -> bool {
    !tok.is_empty() && data.get(i..i + tok.len()) == Some(tok)
}

/// Whether cutting `data` at byte `p` (0 < p < data.len()) leaves every pre-token and special token
/// intact. Reads the bytes of `data` within the longest special token's length (and at least 4) on both
/// sides of `p`. `cut_at` are the tokens split off as special tokens (a cut may sit at their start);
/// `specials` every token that could straddle the cut and must be seen whole, a disallowed one included.
///
/// Why the class rule is safe: with prev = data[p-1] and next = data[p] both ASCII letter/digit/punctuation
/// of different classes, the pre-token holding prev is a letter, digit or punctuation run (or a
/// contraction) that ends at p in the whole text, because next stops it, and ends at p in the prefix
/// alone; no whitespace is involved, so `\s+(?!\S)` lookahead never crosses p. The next pre-token starts
/// at p in both. prev must not be an apostrophe: `'` + `s` is one contraction. No special-token
/// occurrence may straddle p, so the special-token split is the same on both sides.
///
/// Why the whitespace rule is safe: let data[p] be ASCII whitespace and the character c ending at p-1 be
/// non-whitespace (p is a character boundary since data[p] < 0x80). (1) p is a pre-token boundary of the
/// whole text: c lies in a contraction, ` ?\p{L}+`, ` ?\p{N}+` or ` ?[^\s\p{L}\p{N}]+` match (the `\s+`
/// rules hold no \S), and none of those can take whitespace after a non-whitespace character (their only
/// space is the optional leading one), so c's pre-token ends exactly at p. (2) Every match starting at
/// s < p is the same in the prefix data[0..p): a match starting at non-whitespace, or at one space before
/// non-whitespace, stops at the first whitespace at or before p whether p holds whitespace (whole) or the
/// text ends (prefix); a whitespace run starting at s < p ends before p-1 (c is not whitespace), so
/// `\s+(?!\S)` looks ahead at most at c, inside the prefix. (3) The pattern has no lookbehind, so matches
/// starting at p or later depend only on data[p..]: the suffix tokenizes as the whole text does from p.
/// Note the space at p goes to the suffix, where ` ?\p{L}+` still joins it to a following letter; a cut
/// after the space (between it and the letter) would be wrong, and this rule never makes one.
///
/// cl100k_base and o200k_base join more across such points, so three cuts GPT-2 would allow are never
/// made: punctuation before a letter (`[^\r\n\p{L}\p{N}]?\p{L}+` takes one such character, `(x`), an
/// apostrophe after a letter (o200k_base's contractions follow letters: `don't`), and \r or \n after a
/// character that is not a letter or number (`?[^\s\p{L}\p{N}]+[\r\n]*` takes them after punctuation).
/// Otherwise the two arguments hold for them too: their letter, number and punctuation alternatives stop
/// at a space or tab, their whitespace alternatives start at whitespace, and neither looks behind.
pub(crate) fn is_safe_cut(data: &[u8], p: usize, specials: &[&[u8]], cut_at: &[&[u8]]) -> bool {
    if p == 0 || p >= data.len() {
        return false;
    }
    for tok in specials {
        if ((p + 1).saturating_sub(tok.len())..p).any(|s| occurs_at(data, s, tok)) {
            return false;
        }
    }
    if cut_at.iter().any(|tok| occurs_at(data, p, tok)) {
        return true;
    }
    if is_ascii_space(data[p]) && !ends_in_space(data, p) {
        return !matches!(data[p], b'\r' | b'\n') || ends_in_letter_or_number(data, p);
    }
    let (a, b) = (class(data[p - 1]), class(data[p]));
    a != 0 && b != 0 && a != b && data[p - 1] != b'\'' && data[p] != b'\'' && (a, b) != (PUNCT, LETTER)
}

/// Whether the character ending at byte `end - 1` is in \p{L} or \p{N} (false for malformed UTF-8).
fn ends_in_letter_or_number(data: &[u8], end: usize) -> bool {
    let mut start = end - 1;
    while start > 0 && end - start < 4 && data[start] & 0xc0 == 0x80 {
        start -= 1;
    }
    match core::str::from_utf8(&data[start..end])
        .ok()
        .and_then(|s| s.chars().next_back())
    {
        Some(c) => is_letter(c) || is_number(c),
        None => false,
    }
}

/// The first safe cut `p` with `from <= p < to` (the last one with `down`), or None. The caller provides
/// the bytes `is_safe_cut` reads around each position, or the input's ends there.
pub(crate) fn find_safe_cut(
    data: &[u8],
    from: usize,
    to: usize,
    specials: &[&[u8]],
    cut_at: &[&[u8]],
    down: bool,
) -> Option<usize> {
    let to = to.min(data.len());
    let from = from.max(1).min(to);
    let safe = |&p: &usize| is_safe_cut(data, p, specials, cut_at);
    if down {
        (from..to).rev().find(safe)
    } else {
        (from..to).find(safe)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EOT: &[u8] = b"<|eot|>";

    fn last(text: &str) -> Option<usize> {
        find_safe_cut(text.as_bytes(), 1, text.len(), &[], &[], true)
    }

    #[test]
    fn no_cut_through_a_special_token_and_none_at_one_left_as_text() {
        let text = b"xa<|eot|>yy";
        for p in 3..9 {
            assert!(!is_safe_cut(text, p, &[EOT], &[EOT]), "{p}");
        }
        // "a<" is letter | punctuation, safe by class; a token after punctuation shows the difference.
        let punct = b"x.<|eot|>";
        assert!(is_safe_cut(punct, 2, &[EOT], &[EOT]));
        assert!(!is_safe_cut(punct, 2, &[EOT], &[]));
        assert_eq!(find_safe_cut(b"ab.cd", 1, 5, &[EOT], &[EOT], false), Some(2));
        assert_eq!(
            find_safe_cut("   日本".as_bytes(), 1, 9, &[EOT], &[EOT], false),
            None
        );
        assert!(!is_safe_cut(b"it's", 3, &[], &[]), "inside a contraction");
    }

    #[test]
    fn no_cut_where_cl100k_or_o200k_join_across() {
        assert!(!is_safe_cut(b"a (x", 3, &[], &[]), "punctuation before a letter");
        assert!(
            !is_safe_cut(b"don't", 3, &[], &[]),
            "an apostrophe after a letter"
        );
        assert!(!is_safe_cut(b"x!\n", 2, &[], &[]), "a newline after punctuation");
        assert!(
            !is_safe_cut("x\u{301}\n".as_bytes(), 3, &[], &[]),
            "a newline after a mark"
        );
        assert!(
            is_safe_cut("x語\ny".as_bytes(), 4, &[], &[]),
            "a newline after a letter"
        );
        assert!(is_safe_cut(b"x!\ty", 2, &[], &[]), "a tab after punctuation");
        assert!(is_safe_cut(b"x1.", 2, &[], &[]), "a digit before punctuation");
    }

    #[test]
    fn non_latin_text_is_cut_at_ascii_whitespace_after_a_non_space() {
        let ja = "日本語のテキスト。 東京\n大阪";
        assert_eq!(&ja[last(ja).unwrap()..], "\n大阪");
        assert_eq!(last("Привет мир"), Some("Привет".len()));
        // Not after a non-ASCII space, not inside a whitespace run, not after malformed UTF-8.
        assert_eq!(last("日本\u{3000} 語"), None);
        assert_eq!(last("日本語  "), Some("日本語".len()));
        assert!(!is_safe_cut(b"\xe6\x97 x", 2, &[], &[]));
    }
}
