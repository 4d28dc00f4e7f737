//! GPT-2 pre-tokenization as a hand-written scanner (no regex engine), identical to the pattern
//! `'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` (case-sensitive contractions,
//! as GPT-2 and tiktoken). Classes come from the generated `unicode_tables`. Special tokens are split off
//! before this runs (see `special`); this module knows nothing about them. The scanner works on bytes:
//! ASCII is classified by one table load, only bytes >= 0x80 decode a character. cl100k_base's and
//! o200k_base's scanners are in `gpt4`; `Pattern` picks one.

#[cfg(target_arch = "x86_64")]
mod gpt2_blocks;
mod gpt4;

#[cfg(target_arch = "x86_64")]
pub(crate) use gpt2_blocks::Gpt2Ends;
pub(crate) use gpt4::{CL100K_PAT_STR, O200K_PAT_STR};

use crate::unicode_tables::{is_letter, is_number, is_whitespace};

/// The pre-tokenizer patterns this crate implements.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pattern {
    #[default]
    Gpt2,
    Cl100k,
    O200k,
}

impl Pattern {
    /// End (exclusive) of the pre-token starting at `start` (< b.len(), a char boundary) of UTF-8 `b`.
    #[inline(always)]
    pub(crate) fn token_end(self, b: &[u8], start: usize) -> usize {
        match self {
            Pattern::Gpt2 => token_end(b, start),
            Pattern::Cl100k => gpt4::cl100k_end(b, start),
            Pattern::O200k => gpt4::o200k_end(b, start),
        }
    }

    /// 0, 1, 2: the number the WASM exports use.
    pub(crate) fn from_code(code: u32) -> Option<Pattern> {
        [Pattern::Gpt2, Pattern::Cl100k, Pattern::O200k]
            .get(code as usize)
            .copied()
    }
}

// Scanner classes. `WIDE` marks a UTF-8 lead or continuation byte: the character must be decoded.
const LETTER: u8 = 0;
const NUMBER: u8 = 1;
const SPACE: u8 = 2;
const OTHER: u8 = 3;
const WIDE: u8 = 4;

const fn byte_classes() -> [u8; 256] {
    let mut t = [WIDE; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphabetic() {
            LETTER
        } else if c.is_ascii_digit() {
            NUMBER
        } else if matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
            SPACE
        } else {
            OTHER
        };
        b += 1;
    }
    t
}

// 256 entries, so indexing by any byte needs no bounds check and no `< 0x80` branch in the hot loop.
static BYTE_CLASS: [u8; 256] = byte_classes();

/// Class and UTF-8 length of the non-ASCII character starting at `b[i]`. Kept out of line: ASCII-heavy
/// text never calls it, and inlining it into every run loop would bloat the hot path.
#[inline(never)]
fn wide_class(b: &[u8], i: usize) -> (u8, usize) {
    let (cp, len) = decode_wide(b, i);
    let class = match char::from_u32(cp) {
        Some(c) if is_letter(c) => LETTER,
        Some(c) if is_number(c) => NUMBER,
        Some(c) if is_whitespace(c) => SPACE,
        _ => OTHER,
    };
    (class, len)
}

/// Code point and UTF-8 length of the non-ASCII character starting at `b[i]`, for both pre-tokenizers'
/// out-of-line paths. `b` is valid UTF-8 (a &str or a sub-slice of one at char boundaries), so the lead
/// byte gives the length; it is capped at the slice's end.
#[inline(always)]
fn decode_wide(b: &[u8], i: usize) -> (u32, usize) {
    let at = |k: usize| b.get(i + k).map_or(0, |&x| (x & 0x3f) as u32);
    let lead = b[i] as u32;
    let (cp, len) = if lead < 0xe0 {
        ((lead & 0x1f) << 6 | at(1), 2)
    } else if lead < 0xf0 {
        ((lead & 0x0f) << 12 | at(1) << 6 | at(2), 3)
    } else {
        ((lead & 0x07) << 18 | at(1) << 12 | at(2) << 6 | at(3), 4)
    };
    (cp, len.min(b.len() - i))
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = ONES << 7;

/// SWAR: the high bit of each byte of `w` (8 bytes, little-endian) that is an ASCII letter, all others 0.
#[inline(always)]
fn ascii_letters(w: u64) -> u64 {
    // Setting bit 5 folds A-Z onto a-z; with the high bit masked off each byte is <= 0x7f, so adding
    // 0x1f or 0x05 never carries into the next byte and the sums' high bits are `>= 'a'` and `> 'z'`.
    let t = (w | (0x20 * ONES)) & !HIGH;
    let ge_a = t + (0x80 - b'a' as u64) * ONES;
    let gt_z = t + (0x80 - b'z' as u64 - 1) * ONES;
    ge_a & !gt_z & !w & HIGH
}

/// Class and UTF-8 length of the character starting at `b[i]` (`i < b.len()`, a char boundary).
#[inline(always)]
fn class_at(b: &[u8], i: usize) -> (u8, usize) {
    match BYTE_CLASS[b[i] as usize] {
        WIDE => wide_class(b, i),
        k => (k, 1),
    }
}

/// Length of a contraction (`'s 'd 'm 't 'll 've 're`) starting at `i`, if any.
#[inline]
fn contraction_len(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i + 1) {
        Some(b's' | b'd' | b'm' | b't') => Some(2),
        Some(&c1 @ (b'l' | b'v' | b'r')) => {
            let want = if c1 == b'l' { b'l' } else { b'e' };
            (b.get(i + 2) == Some(&want)).then_some(3)
        }
        _ => None,
    }
}

/// End (exclusive) of the pre-token starting at `start` (< b.len(), a char boundary) of UTF-8 bytes `b`.
/// Public within the crate so counting can scan bytes without re-slicing a `&str` per token.
#[inline(always)]
pub(crate) fn token_end(b: &[u8], start: usize) -> usize {
    let len = b.len();
    let first = b[start];
    if first == b'\'' {
        if let Some(n) = contraction_len(b, start) {
            return start + n;
        }
    }
    let (mut class, mut end) = match BYTE_CLASS[first as usize] {
        WIDE => {
            let (k, l) = wide_class(b, start);
            (k, start + l)
        }
        k => (k, start + 1),
    };
    // ` ?X+`: a leading space joins a following letter, number or other run.
    if first == b' ' && end < len {
        let (c1, l1) = class_at(b, end);
        if c1 != SPACE {
            class = c1;
            end += l1;
        }
    }
    if class != SPACE {
        if class == LETTER {
            // Most bytes are in ASCII letter runs: test eight at a time, then finish in the byte loop.
            while let Some(w) = b.get(end..end + 8) {
                let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
                let stop = !ascii_letters(w) & HIGH;
                if stop != 0 {
                    end += (stop.trailing_zeros() / 8) as usize;
                    break;
                }
                end += 8;
            }
        }
        // One table load and compare per ASCII byte; decoding only for WIDE bytes.
        while let Some(&x) = b.get(end) {
            let k = BYTE_CLASS[x as usize];
            if k == class {
                end += 1;
            } else if k == WIDE {
                let (k, l) = wide_class(b, end);
                if k != class {
                    break;
                }
                end += l;
            } else {
                break;
            }
        }
        return end;
    }
    // Whitespace: `\s+(?!\S)` keeps the run minus its last char when a non-space follows (that last char
    // may then join the next word as its leading space); `\s+` takes a lone char. `end` is past the
    // run's first char here.
    let mut last = start;
    while end < len {
        let (c, l) = class_at(b, end);
        if c != SPACE {
            break;
        }
        last = end;
        end += l;
    }
    if end == len || last == start {
        end
    } else {
        last
    }
}

/// Iterator over consecutive pre-tokens; their concatenation is exactly the input.
pub struct Pretokens<'a> {
    text: &'a str,
    pos: usize,
    pattern: Pattern,
}

impl<'a> Iterator for Pretokens<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start = self.pos;
        self.pos = match self.pattern {
            Pattern::Gpt2 => token_end(self.text.as_bytes(), start),
            p => p.token_end(self.text.as_bytes(), start),
        };
        Some(&self.text[start..self.pos])
    }
}

/// GPT-2's pre-tokens of `text`.
pub fn pretokenize(text: &str) -> Pretokens<'_> {
    pretokenize_with(text, Pattern::Gpt2)
}

/// The pre-tokens of `text` under `pattern`.
pub fn pretokenize_with(text: &str, pattern: Pattern) -> Pretokens<'_> {
    Pretokens {
        text,
        pos: 0,
        pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<&str> {
        pretokenize(s).collect()
    }

    /// The scanner as first written: one decoded `char` at a time, classes from `unicode_tables` only.
    /// Slow and plain; the byte-table scanner above must split every string exactly as this does.
    fn reference(text: &str) -> Vec<&str> {
        #[derive(PartialEq, Clone, Copy)]
        enum C {
            L,
            N,
            S,
            O,
        }
        let class = |c: char| match c {
            c if is_letter(c) => C::L,
            c if is_number(c) => C::N,
            c if is_whitespace(c) => C::S,
            _ => C::O,
        };
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let at = |k: usize| chars.get(k).map(|&(_, c)| c);
        let off = |k: usize| chars.get(k).map_or(text.len(), |&(i, _)| i);
        let mut out = Vec::new();
        let mut k = 0;
        while k < chars.len() {
            let start = k;
            let c0 = chars[k].1;
            let contraction = match (c0, at(k + 1), at(k + 2)) {
                ('\'', Some('s' | 'd' | 'm' | 't'), _) => 2,
                ('\'', Some('l'), Some('l')) | ('\'', Some('v' | 'r'), Some('e')) => 3,
                _ => 0,
            };
            if contraction > 0 {
                k += contraction;
            } else if let Some(cl) = (c0 == ' ')
                .then(|| at(k + 1).map(class))
                .flatten()
                .filter(|&c| c != C::S)
                .or(Some(class(c0)).filter(|&c| c != C::S))
            {
                k += if c0 == ' ' { 2 } else { 1 };
                while at(k).is_some_and(|c| class(c) == cl) {
                    k += 1;
                }
            } else {
                let mut e = k;
                while at(e).is_some_and(|c| class(c) == C::S) {
                    e += 1;
                }
                k = if e == chars.len() || e - k == 1 { e } else { e - 1 };
            }
            out.push(&text[off(start)..off(k)]);
        }
        out
    }

    #[test]
    fn gpt2_examples() {
        assert_eq!(toks("Hello world"), ["Hello", " world"]);
        assert_eq!(toks("it's we'll I'M"), ["it", "'s", " we", "'ll", " I", "'", "M"]);
        assert_eq!(toks("a  b"), ["a", " ", " b"]);
        assert_eq!(toks("a \n\nb"), ["a", " \n", "\n", "b"]);
        assert_eq!(toks("x  "), ["x", "  "]);
        assert_eq!(toks("abc123 !!?"), ["abc", "123", " !!?"]);
        assert_eq!(
            toks("héllo wörld 日本語 ٣٤"),
            ["héllo", " wörld", " 日本語", " ٣٤"]
        );
        assert_eq!(toks("\r\n\tA"), ["\r\n", "\t", "A"]);
        assert_eq!(toks("''s"), ["''", "s"]);
        assert_eq!(toks(" 🙂🙂 x"), [" 🙂🙂", " x"]);
        assert_eq!(toks(""), Vec::<&str>::new());
        assert_eq!(toks("a\u{3000}\u{3000}b"), ["a", "\u{3000}", "\u{3000}", "b"]);
        assert_eq!(toks(" \u{3000}é"), [" ", "\u{3000}", "é"]); // only U+0020 joins a word
    }

    #[test]
    fn matches_reference_scanner_on_random_strings() {
        const PIECES: [&str; 28] = [
            "a", "Z", "é", "ß", "日", "٣", "½", "1", " ", "  ", "\t", "\n", "\r\n", "\u{3000}", "\u{a0}",
            "\u{2028}", "'", "'s", "'ll", "'ve", "'re", "'t", "!", "?.", "🙂", "\u{300}", "_", "\u{feff}",
        ];
        let mut state = 0x9e37_79b9_7f4a_7c15u64; // seeded xorshift: reproducible strings
        for _ in 0..3000 {
            let mut s = String::new();
            let n = {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state % 24
            };
            for _ in 0..n {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                s.push_str(PIECES[(state % PIECES.len() as u64) as usize]);
            }
            assert_eq!(toks(&s), reference(&s), "{s:?}");
        }
    }

    #[test]
    fn swar_letters_agree_with_the_byte_table() {
        for c in 0..=255u8 {
            for lane in 0..8 {
                let w = (c as u64) << (8 * lane) | u64::from_le_bytes(*b"abcdefgh") & !(0xff << (8 * lane));
                let want = BYTE_CLASS[c as usize] == LETTER;
                assert_eq!(
                    ascii_letters(w) >> (8 * lane + 7) & 1 == 1,
                    want,
                    "byte {c:#x} lane {lane}"
                );
                assert_eq!(
                    ascii_letters(w).count_ones(),
                    7 + want as u32,
                    "byte {c:#x} lane {lane}"
                );
            }
        }
    }
}
