//! tiktoken rank text, parsed in Rust because it dominates load time in JS: `.tiktoken` files
//! (`base64token rank` per line) and the `bpe_ranks` string of the tiktoken npm package's encoders
//! (`! firstRank tok tok …` per line, consecutive ranks). Ranks must be dense, since a rank is the
//! token's id, except where a special token's id fills the hole (p50k_base's `<|endoftext|>` sits at
//! 50256, between ranks): the special token's bytes then take that rank.

use crate::encode::VocabTable;
use crate::error::{Error, Result};

/// Base64 digit values (both alphabets: `+/` and URL-safe `-_`); 0xff marks a byte that is not a digit.
const B64: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    t[b'+' as usize] = 62;
    t[b'-' as usize] = 62;
    t[b'/' as usize] = 63;
    t[b'_' as usize] = 63;
    t
};

/// Appends the decoded bytes of one base64 token to `out`: four digits → three bytes per step, one
/// validity check per token. This loop is most of a GPT-2 load, and it runs before the engine has
/// optimized anything, so instructions per byte count.
fn base64_into(s: &[u8], line: usize, out: &mut Vec<u8>) -> Result<()> {
    let body = s
        .strip_suffix(b"==")
        .or_else(|| s.strip_suffix(b"="))
        .unwrap_or(s);
    let mut bad = 0u8;
    let mut groups = body.chunks_exact(4);
    for g in &mut groups {
        let (a, b, c, d) = (
            B64[g[0] as usize],
            B64[g[1] as usize],
            B64[g[2] as usize],
            B64[g[3] as usize],
        );
        bad |= a | b | c | d;
        let v = (a as u32) << 18 | (b as u32) << 12 | (c as u32) << 6 | d as u32;
        out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
    }
    let rest = groups.remainder();
    if !rest.is_empty() {
        let mut v = 0u32;
        for &c in rest {
            let x = B64[c as usize];
            bad |= x;
            v = v << 6 | x as u32;
        }
        match rest.len() {
            2 => out.push((v >> 4) as u8),
            3 => out.extend_from_slice(&[(v >> 10) as u8, (v >> 2) as u8]),
            _ => bad = 0xff, // one digit alone encodes no whole byte
        }
    }
    if bad > 63 {
        return Err(Error::BadRankFile {
            line,
            why: "a token is not base64",
        });
    }
    Ok(())
}

fn number(s: &[u8], line: usize) -> Result<usize> {
    std::str::from_utf8(s)
        .ok()
        .and_then(|t| t.parse().ok())
        .ok_or(Error::BadRankFile {
            line,
            why: "a rank is not a non-negative integer",
        })
}

/// Tokens decoded into one flat store, in file order. While ranks arrive as 0, 1, 2, … (every known file)
/// only token ends are kept; from the first rank out of order on, (rank, line) per token too.
struct Decoded {
    bytes: Vec<u8>,
    ends: Vec<u32>,
    /// (rank, line) per token once ranks left file order; earlier tokens get line 0 (they cannot be the
    /// later of two duplicates, which is the one an error names).
    late: Option<Vec<(u32, u32)>>,
}

/// `B64` extended for `push_run`: the space between tokens and the padding digit.
const SPACE: u8 = 64;
const PAD: u8 = 65;
/// `\n`, `\r`, and the backslash of an escaped line end: the run stops there (`line_end` checks it).
const END: u8 = 66;
const RUN: [u8; 256] = {
    let mut t = B64;
    t[b' ' as usize] = SPACE;
    t[b'=' as usize] = PAD;
    t[b'\n' as usize] = END;
    t[b'\r' as usize] = END;
    t[b'\\' as usize] = END;
    t
};

impl Decoded {
    /// Space-separated base64 tokens with consecutive ranks from `first` (the npm format's lines, all of
    /// GPT-2 in one line): one pass, one table lookup and one branch per character. The same tokens as
    /// `push` on each field, and the same refusals (a non-digit, a lone trailing digit, digits after
    /// padding). Never inlined: the engine's optimizing tier recompiles the function holding a hot loop,
    /// and that costs by the function's size (measured in Bun: a cold GPT-2 load spent more CPU there
    /// than in the loop itself while this was inlined into the loader).
    #[inline(never)]
    fn push_run(&mut self, first: usize, body: &[u8], line: usize) -> Result<usize> {
        let bad = Error::BadRankFile {
            line,
            why: "a token is not base64",
        };
        self.bytes.reserve(body.len());
        let (mut acc, mut bits, mut padded, mut rank) = (0u32, 0u32, false, first);
        let mut used = body.len();
        for (i, &c) in body.iter().enumerate() {
            let v = RUN[c as usize];
            if v < 64 && !padded {
                acc = acc << 6 | v as u32;
                bits += 6;
                if bits >= 8 {
                    bits -= 8;
                    self.bytes.push((acc >> bits) as u8);
                }
            } else if v == SPACE {
                if bits >= 6 {
                    return Err(bad);
                }
                self.end_token(rank, line)?;
                (acc, bits, padded, rank) = (0, 0, false, rank + 1);
            } else if v == PAD {
                padded = true;
            } else if v == END {
                used = i;
                break;
            } else {
                return Err(bad);
            }
        }
        if bits >= 6 {
            return Err(bad);
        }
        self.end_token(rank, line)?;
        Ok(used)
    }

    fn end_token(&mut self, rank: usize, line: usize) -> Result<()> {
        let rank = u32::try_from(rank).map_err(|_| Error::BadRankFile {
            line,
            why: "a rank does not fit 32 bits",
        })?;
        self.note(rank, line);
        Ok(())
    }

    #[inline]
    fn note(&mut self, rank: u32, line: usize) {
        if self.late.is_none() && rank as usize != self.ends.len() {
            self.late = Some((0..self.ends.len() as u32).map(|r| (r, 0)).collect());
        }
        if let Some(late) = &mut self.late {
            late.push((rank, line as u32));
        }
        self.ends.push(self.bytes.len() as u32);
    }

    fn push(&mut self, rank: usize, tok: &[u8], line: usize) -> Result<()> {
        let rank = u32::try_from(rank).map_err(|_| Error::BadRankFile {
            line,
            why: "a rank does not fit 32 bits",
        })?;
        base64_into(tok, line, &mut self.bytes)?;
        self.note(rank, line);
        Ok(())
    }
}

/// Length of the line end at the start of `t` (0 at the end of the text): `\n` or `\r\n`, or with
/// `escaped` (`text` is the body of a JSON string, the npm package's `bpe_ranks` read straight from the
/// file, skipping JSON.parse and a UTF-16 round trip in JS) the escapes `\\n` or `\\r\\n`. Base64 has no
/// backslash, so any other escape fails as a bad token.
fn line_end(t: &[u8], escaped: bool, line: usize) -> Result<usize> {
    let ends: [&[u8]; 2] = if escaped {
        [b"\\n", b"\\r\\n"]
    } else {
        [b"\n", b"\r\n"]
    };
    match ends.iter().find(|e| t.starts_with(e)) {
        Some(e) => Ok(e.len()),
        None if t.is_empty() => Ok(0),
        None => Err(Error::BadRankFile {
            line,
            why: "a token is not base64",
        }),
    }
}

/// The line at the start of `t` and where the next one starts.
fn split_line(t: &[u8], escaped: bool, line: usize) -> Result<(&[u8], &[u8])> {
    let stop = t.iter().position(|&c| RUN[c as usize] == END).unwrap_or(t.len());
    let n = line_end(&t[stop..], escaped, line)?;
    Ok((&t[..stop], &t[stop + n..]))
}

/// Tokens indexed by rank, from either format, as one flat table (no allocation per token: this is
/// the whole load of a GPT-2 tokenizer from ranks).
pub fn parse_rank_text(text: &[u8]) -> Result<VocabTable> {
    parse_rank_lines(text, false, &[])
}

/// `parse_rank_text` over a JSON string's body when `escaped` (see `line_end`); a missing rank that one
/// of `fill`'s special tokens has as its id takes that token's bytes.
pub(crate) fn parse_rank_lines(text: &[u8], escaped: bool, fill: &[(String, u32)]) -> Result<VocabTable> {
    let mut d = Decoded {
        bytes: Vec::with_capacity(text.len() * 3 / 4),
        ends: Vec::with_capacity(text.len() / 8),
        late: None,
    };
    let (mut rest, mut line) = (text, 0);
    while !rest.is_empty() {
        line += 1;
        if let Some(after) = rest.strip_prefix(b"! ") {
            // npm format: "! firstRank tok tok …", all of GPT-2 in one line, decoded in one pass.
            let digits = after.iter().take_while(|c| c.is_ascii_digit()).count();
            let offset = number(&after[..digits], line)?;
            let tail = &after[digits..];
            let used = match tail.strip_prefix(b" ") {
                Some(body) => 1 + d.push_run(offset, body, line)?,
                None if tail.first().is_none_or(|&c| RUN[c as usize] == END) => 0,
                None => number(&after[..digits + 1], line)?, // "! 12x": not a rank
            };
            let tail = &tail[used..];
            rest = &tail[line_end(tail, escaped, line)?..];
            continue;
        }
        let (raw, next) = split_line(rest, escaped, line)?;
        rest = next;
        if raw.is_empty() {
            continue;
        }
        let mut fields = raw.split(|&b| b == b' ');
        let first = fields.next().unwrap_or_default();
        let rank = number(fields.next().unwrap_or_default(), line)?;
        if fields.next().is_some() {
            return Err(Error::BadRankFile {
                line,
                why: "expected \"base64token rank\"",
            });
        }
        d.push(rank, first, line)?;
    }
    let Some(late) = d.late else {
        return VocabTable::from_trusted(d.bytes, d.ends);
    };
    // Ranks out of file order (allowed by the .tiktoken format) or with holes: sort, then check they
    // are 0..n-1, holes filled by special tokens.
    let starts: Vec<u32> = std::iter::once(0).chain(d.ends.iter().copied()).collect();
    let mut order: Vec<usize> = (0..late.len()).collect();
    order.sort_by_key(|&i| late[i]);
    let mut bytes = Vec::with_capacity(d.bytes.len());
    let mut ends = Vec::with_capacity(order.len());
    let mut want = 0u32;
    for &i in &order {
        let ((rank, line), end) = (late[i], d.ends[i]);
        if rank < want {
            return Err(Error::BadRankFile {
                line: line as usize,
                why: "a rank appears twice",
            });
        }
        while rank > want {
            let Some((special, _)) = fill.iter().find(|&&(_, id)| id == want) else {
                return Err(Error::MissingRank {
                    rank: want,
                    why: "ranks must be dense (0..n-1)",
                });
            };
            bytes.extend_from_slice(special.as_bytes());
            ends.push(bytes.len() as u32);
            want += 1;
        }
        bytes.extend_from_slice(&d.bytes[starts[i] as usize..end as usize]);
        ends.push(bytes.len() as u32);
        want += 1;
    }
    VocabTable::from_trusted(bytes, ends)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(t: &VocabTable) -> Vec<Vec<u8>> {
        (0..t.len() as u32).map(|i| t.get(i).unwrap().to_vec()).collect()
    }

    #[test]
    fn both_formats_and_errors() {
        let npm = parse_rank_text(b"! 0 YQ== Yg== YWI=\n").unwrap();
        assert_eq!(tokens(&npm), vec![b"a".to_vec(), b"b".to_vec(), b"ab".to_vec()]);
        let file = parse_rank_text(b"Yg== 1\nYQ== 0\r\n\n").unwrap();
        assert_eq!(tokens(&file), vec![b"a".to_vec(), b"b".to_vec()]);
        assert!(matches!(
            parse_rank_text(b"YQ== 0\nYg== 2\n"),
            Err(Error::MissingRank { rank: 1, .. })
        ));
        assert!(matches!(
            parse_rank_text(b"Y*== 0\n"),
            Err(Error::BadRankFile { line: 1, .. })
        ));
        let escaped = parse_rank_lines(b"! 0 YQ== Yg==\\n! 2 YWI=\\n", true, &[]).unwrap();
        assert_eq!(
            tokens(&escaped),
            vec![b"a".to_vec(), b"b".to_vec(), b"ab".to_vec()]
        );
        assert!(matches!(
            parse_rank_lines(b"! 0 YQ== Yg==\\n! 2 YW\\/I=", true, &[]),
            Err(Error::BadRankFile { line: 2, .. })
        ));
        assert!(matches!(
            parse_rank_text(b"YQ== 0\nQ 1\n"),
            Err(Error::BadRankFile { line: 2, .. })
        ));
        let odd = parse_rank_text(b"! 0 YWJj YWI YQ\n").unwrap();
        assert_eq!(tokens(&odd), vec![b"abc".to_vec(), b"ab".to_vec(), b"a".to_vec()]);
        let url_safe = parse_rank_text(b"! 0 _-8= /+8=").unwrap();
        assert_eq!(tokens(&url_safe), vec![vec![0xff, 0xef], vec![0xff, 0xef]]);
        for broken in [&b"! 0 YQ== Y"[..], b"! 0 Y= YQ", b"! 0 YQ=a", b"! 0 Y*"] {
            assert!(
                matches!(parse_rank_text(broken), Err(Error::BadRankFile { line: 1, .. })),
                "{}",
                String::from_utf8_lossy(broken)
            );
        }
        assert!(matches!(
            parse_rank_text(b"YQ== 0\nYQ== 0\n"),
            Err(Error::BadRankFile { line: 2, .. })
        ));
    }

    #[test]
    fn a_special_token_fills_the_hole_at_its_id() {
        let eot = [("<e>".to_string(), 1u32)];
        for text in [&b"YQ== 0\nYg== 2\n"[..], b"! 0 YQ==\n! 2 Yg==\n"] {
            let t = parse_rank_lines(text, false, &eot).unwrap();
            assert_eq!(tokens(&t), vec![b"a".to_vec(), b"<e>".to_vec(), b"b".to_vec()]);
        }
        let other = [("<e>".to_string(), 5u32)];
        assert!(matches!(
            parse_rank_lines(b"YQ== 0\nYg== 2\n", false, &other),
            Err(Error::MissingRank { rank: 1, .. })
        ));
    }
}
