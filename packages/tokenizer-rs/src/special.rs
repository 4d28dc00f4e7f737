//! Special-token splitting: text is cut at every occurrence of a special token before pre-tokenization,
//! so text never merges across one. At a position, the longest matching special token wins (so
//! `<|endoftext|><|endoftext|>` is one token when it is itself special); scanning is leftmost-first.

use crate::error::{Error, Result};

#[derive(Clone)]
pub struct SpecialTokens {
    tokens: Vec<String>,
    /// For each first byte, indices of tokens starting with it, longest first.
    by_first: Vec<Vec<usize>>,
    /// The one byte every token starts with, when they share one (`<` for `<|endoftext|>`): `split` then
    /// jumps between its occurrences eight bytes at a time instead of testing every byte.
    only: Option<u8>,
}

/// A piece of the input: plain text, or the special token with this index in the list given to `new`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'a> {
    Text(&'a str),
    Special(usize),
}

impl SpecialTokens {
    pub fn new(tokens: &[String]) -> Result<Self> {
        Self::checked(tokens, true)
    }

    /// For training: as `new`, and a one-byte token is refused too, since bytes 0..255 are tokens
    /// already (vocab.json could not hold both). The only check of a training list: the wrapper asks it
    /// before reading input (`check_training_specials`), and the counter is built through it.
    pub fn for_training(tokens: &[String]) -> Result<Self> {
        Self::checked(tokens, false)
    }

    /// Checks the tokens one by one, each for all rules in turn, so the first bad token is the one named.
    fn checked(tokens: &[String], one_byte_ok: bool) -> Result<Self> {
        let mut by_first: Vec<Vec<usize>> = vec![Vec::new(); 256];
        for (index, t) in tokens.iter().enumerate() {
            if t.is_empty() {
                return Err(Error::EmptySpecialToken { index });
            }
            if tokens[..index].contains(t) {
                return Err(Error::DuplicateSpecialToken { token: t.clone() });
            }
            if t.len() == 1 && !one_byte_ok {
                return Err(Error::SingleByteSpecialToken { token: t.clone() });
            }
            by_first[t.as_bytes()[0] as usize].push(index);
        }
        for list in &mut by_first {
            list.sort_by_key(|&i| core::cmp::Reverse(tokens[i].len()));
        }
        let mut firsts = (0..=255u8).filter(|&c| !by_first[c as usize].is_empty());
        let only = match (firsts.next(), firsts.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        };
        Ok(SpecialTokens {
            tokens: tokens.to_vec(),
            by_first,
            only,
        })
    }

    pub(crate) fn tokens(&self) -> &[String] {
        &self.tokens
    }

    /// Length in bytes of the longest special token (0 when there are none).
    #[cfg(test)]
    fn max_len(&self) -> usize {
        self.tokens.iter().map(String::len).max().unwrap_or(0)
    }

    /// The longest special token matching at byte `i`, if any.
    #[inline]
    fn match_at(&self, b: &[u8], i: usize) -> Option<usize> {
        self.by_first[b[i] as usize]
            .iter()
            .copied()
            .find(|&t| b[i..].starts_with(self.tokens[t].as_bytes()))
    }

    /// The first special token at or after byte `from`: (its offset, its index), the longest at that
    /// offset. Shared by `split` and the training counter, which needs only the offsets.
    #[inline]
    pub(crate) fn find(&self, b: &[u8], from: usize) -> Option<(usize, usize)> {
        if self.tokens.is_empty() {
            return None;
        }
        let mut i = from;
        while i < b.len() {
            if let Some(c) = self.only {
                i = find_byte(b, i, c)?;
            }
            // Occurrences of a valid UTF-8 token start on a lead byte, so `i` is a char boundary.
            if !self.by_first[b[i] as usize].is_empty() {
                if let Some(t) = self.match_at(b, i) {
                    return Some((i, t));
                }
            }
            i += 1;
        }
        None
    }

    pub fn split<'a>(&'a self, text: &'a str) -> impl Iterator<Item = Segment<'a>> + 'a {
        Split {
            specials: self,
            text,
            pos: 0,
            pending: None,
        }
    }
}

struct Split<'a> {
    specials: &'a SpecialTokens,
    text: &'a str,
    pos: usize,
    pending: Option<(usize, usize)>, // (special index, its byte length) found after a text segment
}

impl<'a> Iterator for Split<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        if let Some((t, len)) = self.pending.take() {
            self.pos += len;
            return Some(Segment::Special(t));
        }
        let b = self.text.as_bytes();
        if self.pos >= b.len() {
            return None;
        }
        let start = self.pos;
        let Some((i, t)) = self.specials.find(b, start) else {
            self.pos = b.len();
            return Some(Segment::Text(&self.text[start..]));
        };
        let len = self.specials.tokens[t].len();
        if i == start {
            self.pos += len;
            return Some(Segment::Special(t));
        }
        self.pos = i;
        self.pending = Some((t, len));
        Some(Segment::Text(&self.text[start..i]))
    }
}

/// Offset of the first `c` in `b[from..]`: eight bytes per step with the SWAR zero-byte test, after
/// 64-byte steps with SSE2 compares on x86_64 (an encoder searches all its text for `<|endoftext|>`).
fn find_byte(b: &[u8], from: usize, c: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let rep = ONES * c as u64;
    #[allow(unused_mut)]
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    {
        use core::arch::x86_64::{_mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8};
        // SAFETY: SSE2 is part of x86_64; each load reads 16 bytes of b[i..i + 64], inside b.
        unsafe {
            let want = _mm_set1_epi8(c as i8);
            while i + 64 <= b.len() {
                let mut hits = 0u64;
                for k in 0..4 {
                    let x = _mm_loadu_si128(b.as_ptr().add(i + 16 * k).cast());
                    hits |= (_mm_movemask_epi8(_mm_cmpeq_epi8(x, want)) as u32 as u64) << (16 * k);
                }
                if hits != 0 {
                    return Some(i + hits.trailing_zeros() as usize);
                }
                i += 64;
            }
        }
    }
    while let Some(w) = b.get(i..i + 8) {
        let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]) ^ rep;
        // The lowest set bit marks the first zero byte of x exactly (borrows only create higher ones).
        let zero = x.wrapping_sub(ONES) & !x & (ONES << 7);
        if zero != 0 {
            return Some(i + (zero.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b.get(i..)?.iter().position(|&x| x == c).map(|p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn longest_match_and_text() {
        let sp = SpecialTokens::new(&s(&["<|eot|>", "<|eot|><|eot|>"])).unwrap();
        let segs: Vec<Segment> = sp.split("a<|eot|><|eot|>b<|eot|>").collect();
        assert_eq!(
            segs,
            [
                Segment::Text("a"),
                Segment::Special(1),
                Segment::Text("b"),
                Segment::Special(0)
            ]
        );
        let segs: Vec<Segment> = sp.split("<|eot|>").collect();
        assert_eq!(segs, [Segment::Special(0)]);
        assert_eq!(sp.split("").count(), 0);
        assert_eq!(sp.max_len(), 14);
    }

    #[test]
    fn split_finds_tokens_with_one_or_several_first_bytes() {
        // One shared first byte takes the eight-bytes-a-step search; two take the per-byte table.
        for list in [&["<|a|>", "<|bb|>"][..], &["<|a|>", "#x"][..]] {
            let sp = SpecialTokens::new(&s(list)).unwrap();
            let text = "é<<|a|| <|a|>0123456789abcdef<|bb|>日本<|bb|<#x#<|a|>";
            let mut want = Vec::new();
            let (mut start, mut i) = (0, 0);
            while i < text.len() {
                match list
                    .iter()
                    .position(|t| text.as_bytes()[i..].starts_with(t.as_bytes()))
                {
                    Some(k) => {
                        if start < i {
                            want.push(Segment::Text(&text[start..i]));
                        }
                        want.push(Segment::Special(k));
                        i += list[k].len();
                        start = i;
                    }
                    None => i += 1,
                }
            }
            if start < text.len() {
                want.push(Segment::Text(&text[start..]));
            }
            assert_eq!(sp.split(text).collect::<Vec<_>>(), want, "{list:?}");
        }
    }

    #[test]
    fn no_specials_and_errors() {
        let sp = SpecialTokens::new(&[]).unwrap();
        assert_eq!(
            sp.split("x<|eot|>").collect::<Vec<_>>(),
            [Segment::Text("x<|eot|>")]
        );
        assert_eq!(
            SpecialTokens::new(&s(&["a", ""])).err(),
            Some(Error::EmptySpecialToken { index: 1 })
        );
        assert!(matches!(
            SpecialTokens::new(&s(&["a", "a"])),
            Err(Error::DuplicateSpecialToken { .. })
        ));
    }

    #[test]
    fn training_refuses_one_byte_tokens_with_the_first_bad_token_named() {
        assert!(SpecialTokens::new(&s(&["x"])).is_ok());
        let msg = |v: &[&str]| SpecialTokens::for_training(&s(v)).err().map(|e| e.to_string());
        assert_eq!(
            msg(&["<a>", "x"]).as_deref(),
            Some("special token \"x\" is a single byte, which is already byte token 120; special tokens must be at least 2 bytes long (e.g. <|x|>)")
        );
        assert_eq!(
            msg(&["x", ""]).as_deref(),
            Some("special token \"x\" is a single byte, which is already byte token 120; special tokens must be at least 2 bytes long (e.g. <|x|>)")
        );
        assert_eq!(
            msg(&["<|a|>", "<|a|>", "y"]).as_deref(),
            Some("special token \"<|a|>\" is given twice; list each special token once")
        );
        assert_eq!(
            msg(&["<a>", ""]).as_deref(),
            Some("special token #1 is empty; special tokens must be non-empty strings")
        );
        assert!(SpecialTokens::for_training(&s(&["é", "<|eot|>"])).is_ok());
        let code = SpecialTokens::for_training(&s(&["x"])).err().map(|e| e.code());
        assert_eq!(code, Some(crate::error::ErrorCode::SpecialToken));
    }

    #[test]
    fn find_byte_every_offset() {
        // Gaps shorter and longer than the 64-byte steps, and a tail with none.
        for gap in [11, 97] {
            let b: Vec<u8> = (0..300u32)
                .map(|i| {
                    if i % gap == 3 && i < 250 {
                        b'<'
                    } else {
                        (i % 50) as u8
                    }
                })
                .collect();
            for from in 0..=b.len() {
                let want = b[from..].iter().position(|&x| x == b'<').map(|p| from + p);
                assert_eq!(find_byte(&b, from, b'<'), want, "gap {gap} from {from}");
            }
        }
    }
}
