//! Encoding with a per-call special-token policy, whole or as a stream of byte chunks. `encode_prefix`
//! encodes the longest prefix of a buffer whose ids cannot change whatever bytes follow, and says how many
//! bytes it consumed; the caller carries the rest into the next call. What is held back: a partial UTF-8
//! character, a possible partial special token (a suffix that is a proper prefix of one) and the last two
//! pre-tokens of unterminated text (the GPT-2 pattern looks at most two characters past a token's end).

use crate::encode::Encoder;
use crate::error::{Error, Result};
use crate::pretokenize::pretokenize_with;
use crate::special::{Segment, SpecialTokens};

/// Which construction special tokens (by index) are split off as special tokens, and which are errors
/// when they appear in the text. A token in neither set is encoded as plain text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecialPolicy {
    pub allowed: Vec<bool>,
    pub disallowed: Vec<bool>,
}

impl SpecialPolicy {
    /// CS336's semantics: every construction special token is special.
    pub fn all_special(n: usize) -> SpecialPolicy {
        SpecialPolicy {
            allowed: vec![true; n],
            disallowed: vec![false; n],
        }
    }

    /// From one flag byte per construction special token (bit 0 allowed, bit 1 disallowed), the form both
    /// bindings pass; no bytes means `all_special`.
    pub(crate) fn from_flags(n: usize, b: &[u8]) -> Result<SpecialPolicy> {
        if b.is_empty() {
            return Ok(SpecialPolicy::all_special(n));
        }
        if b.len() != n {
            return Err(Error::MalformedBuffer {
                what: "special-token policy",
                offset: b.len(),
            });
        }
        Ok(SpecialPolicy {
            allowed: b.iter().map(|x| x & 1 != 0).collect(),
            disallowed: b.iter().map(|x| x & 2 != 0).collect(),
        })
    }

    /// From token names; `None` for `allowed` means all of them, for `disallowed` none.
    #[cfg(test)]
    pub fn from_names(
        enc: &Encoder,
        allowed: Option<&[String]>,
        disallowed: &[String],
    ) -> Result<SpecialPolicy> {
        let known = enc.special_tokens();
        let index = |t: &String| {
            known
                .iter()
                .position(|k| k == t)
                .ok_or_else(|| Error::UnknownSpecialToken {
                    token: t.clone(),
                    known: known.to_vec(),
                })
        };
        let mut p = SpecialPolicy {
            allowed: vec![allowed.is_none(); known.len()],
            disallowed: vec![false; known.len()],
        };
        for t in allowed.unwrap_or(&[]) {
            p.allowed[index(t)?] = true;
        }
        for t in disallowed {
            let i = index(t)?;
            p.allowed[i] = false;
            p.disallowed[i] = true;
        }
        Ok(p)
    }
}

/// The matcher for the allowed subset, rebuilt only when a call's policy differs from the last one.
#[derive(Clone)]
pub(crate) struct AllowedMatcher {
    mask: Vec<bool>,
    matcher: SpecialTokens,
    ids: Vec<u32>,
}

impl Encoder {
    fn allowed_matcher(&mut self, allowed: &[bool]) -> Result<AllowedMatcher> {
        if let Some(m) = self.allowed.take() {
            if m.mask == allowed {
                return Ok(m);
            }
        }
        let n = self.special_ids.len();
        if allowed.len() != n {
            return Err(Error::MalformedBuffer {
                what: "special-token policy",
                offset: allowed.len(),
            });
        }
        let names: Vec<String> = (0..n)
            .filter(|&i| allowed[i])
            .map(|i| self.specials.tokens()[i].clone())
            .collect();
        let ids = (0..n)
            .filter(|&i| allowed[i])
            .map(|i| self.special_ids[i])
            .collect();
        Ok(AllowedMatcher {
            mask: allowed.to_vec(),
            matcher: SpecialTokens::new(&names)?,
            ids,
        })
    }

    /// Encodes all of `text` under `policy`, appending to `out`.
    pub(crate) fn encode_with(
        &mut self,
        text: &str,
        policy: &SpecialPolicy,
        out: &mut Vec<u32>,
    ) -> Result<()> {
        self.encode_prefix(text.as_bytes(), policy, true, 0, out)
            .map(|_| ())
    }

    /// CS336's `encode`: every construction special token is special.
    pub fn encode(&mut self, text: &str) -> Vec<u32> {
        let mut out = Vec::new();
        let policy = SpecialPolicy::all_special(self.special_ids.len());
        // Cannot fail: the text is UTF-8 and nothing is disallowed.
        let _ = self.encode_with(text, &policy, &mut out);
        out
    }

    /// Encodes the stable prefix of `buf` (all of it when `last`), appending ids to `out`; returns the
    /// number of bytes consumed. `base` is `buf[0]`'s offset in the whole stream, for error messages.
    pub(crate) fn encode_prefix(
        &mut self,
        buf: &[u8],
        policy: &SpecialPolicy,
        last: bool,
        base: u64,
        out: &mut Vec<u32>,
    ) -> Result<usize> {
        let text = match core::str::from_utf8(buf) {
            Ok(t) => t,
            // A character cut at the chunk's end is completed by the next chunk.
            Err(e) if !last && e.error_len().is_none() => buf_str(buf, e.valid_up_to()),
            Err(e) => {
                return Err(Error::InvalidUtf8 {
                    offset: base + e.valid_up_to() as u64,
                })
            }
        };
        let matcher = self.allowed_matcher(&policy.allowed)?;
        let result = self.encode_segments(text, policy, &matcher, last, out);
        self.allowed = Some(matcher);
        result
    }

    /// Encodes many texts, all of each: `ends[i]` is the byte end of text i in `text`. Appends every id to
    /// `out` and, per text, the length `out` then has to `id_ends`. On an error, what was encoded before the
    /// failing text stays in both (both bindings report the error and drop them).
    pub(crate) fn encode_batch(
        &mut self,
        text: &[u8],
        ends: &[u32],
        policy: &SpecialPolicy,
        out: &mut Vec<u32>,
        id_ends: &mut Vec<u32>,
    ) -> Result<()> {
        let mut start = 0usize;
        for &end in ends {
            let end = end as usize;
            let piece = text.get(start..end).ok_or(Error::MalformedBuffer {
                what: "batch ends",
                offset: end,
            })?;
            self.encode_prefix(piece, policy, true, start as u64, out)?;
            id_ends.push(out.len() as u32);
            start = end;
        }
        Ok(())
    }

    fn encode_segments(
        &mut self,
        text: &str,
        policy: &SpecialPolicy,
        m: &AllowedMatcher,
        last: bool,
        out: &mut Vec<u32>,
    ) -> Result<usize> {
        let names = self.specials.tokens();
        let disallowed: Vec<String> = (0..policy.disallowed.len())
            .filter(|&i| policy.disallowed[i])
            .map(|i| names[i].clone())
            .collect();
        // q: where a special token (any construction one, so disallowed ones too) might start and not end
        // inside the buffer; the segmentation of everything before q cannot change.
        let q = if last {
            text.len()
        } else {
            partial_special_start(text, self.specials.tokens())
        };
        let mut pos = 0;
        for seg in m.matcher.split(text) {
            match seg {
                Segment::Special(k) => {
                    if pos >= q {
                        break;
                    }
                    out.push(m.ids[k]);
                    pos += m.matcher.tokens()[k].len();
                }
                Segment::Text(t) => {
                    let end = pos + t.len();
                    if last || end < q {
                        check_disallowed(t, &disallowed)?;
                        self.encode_ordinary(t, out);
                        pos = end;
                        continue;
                    }
                    if pos >= q {
                        break;
                    }
                    // Unterminated text: [pos, q) is text whatever follows, but its last pre-tokens may grow.
                    let region = &t[..q - pos];
                    check_disallowed(region, &disallowed)?;
                    // A disallowed token starting before the cut must lie inside `region` to be seen.
                    let dmax = disallowed.iter().map(|d| d.len()).max().unwrap_or(1);
                    let mut limit = region.len().saturating_sub(dmax - 1);
                    while !region.is_char_boundary(limit) {
                        limit -= 1;
                    }
                    pos += self.encode_all_but_last_two(&region[..limit], out);
                    break;
                }
            }
        }
        Ok(pos)
    }

    /// Encodes the pre-tokens of `text` except the last two; returns the bytes consumed. Those two are not
    /// encoded at all: text without whitespace is one pre-token as long as the buffer, which was merged
    /// again at every chunk and its ids thrown away (quadratic in the stretch without a cut).
    fn encode_all_but_last_two(&mut self, text: &str, out: &mut Vec<u32>) -> usize {
        let (mut held, mut at) = ([""; 2], 0);
        for (i, piece) in pretokenize_with(text, self.pattern).enumerate() {
            if i >= 2 {
                self.encode_piece(held[0].as_bytes(), out);
                at += held[0].len();
            }
            held = [held[1], piece];
        }
        at
    }
}

fn buf_str(buf: &[u8], valid: usize) -> &str {
    // The prefix up to `valid_up_to` is UTF-8 by definition of that offset.
    core::str::from_utf8(&buf[..valid]).unwrap_or_default()
}

fn check_disallowed(text: &str, disallowed: &[String]) -> Result<()> {
    match disallowed.iter().find(|d| text.contains(d.as_str())) {
        Some(d) => Err(Error::DisallowedSpecialToken { token: d.to_string() }),
        None => Ok(()),
    }
}

/// Smallest i such that text[i..] is a non-empty proper prefix of some special token (text.len() if none).
pub fn partial_special_start(text: &str, specials: &[String]) -> usize {
    let b = text.as_bytes();
    let longest = specials.iter().map(String::len).max().unwrap_or(0);
    let from = b.len().saturating_sub(longest.saturating_sub(1));
    (from..b.len())
        .find(|&i| {
            specials
                .iter()
                .any(|s| s.len() > b.len() - i && s.as_bytes().starts_with(&b[i..]))
        })
        .unwrap_or(b.len())
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
