//! GPT-2 pre-tokenization as a hand-written scanner (no regex engine), identical to the pattern
//! `'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+` (case-sensitive contractions,
//! as GPT-2 and tiktoken). Classes come from the generated `unicode_tables`. Special tokens are split off
//! before this runs (see `special`); this module knows nothing about them.

use crate::unicode_tables::{is_letter, is_number, is_whitespace};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    Letter,
    Number,
    Space,
    Other,
}

const fn ascii_classes() -> [Class; 128] {
    let mut t = [Class::Other; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphabetic() {
            Class::Letter
        } else if c.is_ascii_digit() {
            Class::Number
        } else if matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ') {
            Class::Space
        } else {
            Class::Other
        };
        b += 1;
    }
    t
}

// A table lookup for ASCII keeps the hot loop free of branches on character ranges.
static ASCII: [Class; 128] = ascii_classes();

/// Class and UTF-8 length of the character starting at byte `i` (a char boundary, `i < text.len()`).
#[inline(always)]
fn class_at(text: &str, i: usize) -> (Class, usize) {
    let b = text.as_bytes()[i];
    if b < 0x80 {
        return (ASCII[b as usize], 1);
    }
    match text[i..].chars().next() {
        Some(c) => {
            let class = if is_letter(c) {
                Class::Letter
            } else if is_number(c) {
                Class::Number
            } else if is_whitespace(c) {
                Class::Space
            } else {
                Class::Other
            };
            (class, c.len_utf8())
        }
        None => (Class::Other, 1), // unreachable for i < len on a &str
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

/// End (exclusive) of the pre-token starting at `start` (< text.len()).
#[inline]
fn token_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let len = bytes.len();
    if bytes[start] == b'\'' {
        if let Some(n) = contraction_len(bytes, start) {
            return start + n;
        }
    }
    let (c0, l0) = class_at(text, start);
    // ` ?X+`: a leading space joins a following letter, number or other run.
    let (class, body) = if bytes[start] == b' ' && start + 1 < len {
        let (c1, l1) = class_at(text, start + 1);
        if c1 == Class::Space {
            (Class::Space, start)
        } else {
            (c1, start + 1 + l1 - 1)
        }
    } else {
        (c0, start + l0 - 1)
    };
    let mut end = body + 1;
    if class != Class::Space {
        while end < len {
            let (c, l) = class_at(text, end);
            if c != class {
                break;
            }
            end += l;
        }
        return end;
    }
    // Whitespace: `\s+(?!\S)` keeps the run minus its last char when a non-space follows (that last char
    // may then join the next word as its leading space); `\s+` takes a lone char.
    let mut last = start;
    end = start;
    while end < len {
        let (c, l) = class_at(text, end);
        if c != Class::Space {
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
}

impl<'a> Iterator for Pretokens<'a> {
    type Item = &'a str;

    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start = self.pos;
        self.pos = token_end(self.text, start);
        Some(&self.text[start..self.pos])
    }
}

pub fn pretokenize(text: &str) -> Pretokens<'_> {
    Pretokens { text, pos: 0 }
}

/// Byte offset `p` such that `text[..p]` pre-tokenizes, on its own, exactly as it does inside `text`
/// followed by any continuation: a streaming caller may emit the pre-tokens of `text[..p]` and keep the
/// rest. Appending can change only the last pre-token (earlier ones end at a stopper char inside `text`;
/// `\s+(?!\S)` looks one char ahead at most), and cutting right after a whitespace pre-token would turn
/// `\s+(?!\S)` into a longer match, so `p` is the start of the last pre-token whose predecessor does not
/// end in whitespace (0 when there is none).
pub fn stable_prefix_len(text: &str) -> usize {
    let mut pos = 0;
    let mut stable = 0;
    let mut prev_ws = false;
    while pos < text.len() {
        if !prev_ws {
            stable = pos;
        }
        let end = token_end(text, pos);
        prev_ws = text[pos..end].chars().next_back().is_some_and(is_whitespace);
        pos = end;
    }
    stable
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<&str> {
        pretokenize(s).collect()
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
    }

    #[test]
    fn stable_prefix() {
        assert_eq!(stable_prefix_len(""), 0);
        assert_eq!(stable_prefix_len("Hello wor"), 5);
        assert_eq!(stable_prefix_len("a  "), 1);
        assert_eq!(stable_prefix_len("a  \r\ne"), 1);
        // Every split point: tokens before the stable prefix survive any continuation.
        let full = "it's  a\n\n test's 12 3 ok?!  \r\nend";
        for cut in (0..=full.len()).filter(|&i| full.is_char_boundary(i)) {
            let head = &full[..cut];
            let stable = stable_prefix_len(head);
            let head_toks: Vec<&str> = toks(&head[..stable]);
            let full_toks = toks(full);
            assert_eq!(&full_toks[..head_toks.len()], &head_toks[..], "cut {cut}");
        }
    }
}
