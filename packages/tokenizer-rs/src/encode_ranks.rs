//! tiktoken rank text, parsed in Rust because it dominates load time in JS: `.tiktoken` files
//! (`base64token rank` per line) and the `bpe_ranks` string of the tiktoken npm package's encoders
//! (`! firstRank tok tok …` per line, consecutive ranks). Ranks must be dense: a rank is the token's id.

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

/// Tokens decoded into one flat store, in file order, with their ranks and first lines.
struct Decoded {
    bytes: Vec<u8>,
    /// (rank, end in `bytes`, line) per token.
    toks: Vec<(u32, u32, u32)>,
    in_order: bool,
}

impl Decoded {
    fn push(&mut self, rank: usize, tok: &[u8], line: usize) -> Result<()> {
        let rank = u32::try_from(rank).map_err(|_| Error::BadRankFile {
            line,
            why: "a rank does not fit 32 bits",
        })?;
        base64_into(tok, line, &mut self.bytes)?;
        self.in_order &= rank as usize == self.toks.len();
        self.toks.push((rank, self.bytes.len() as u32, line as u32));
        Ok(())
    }
}

/// Lines of `text`; with `escaped`, `text` is the body of a JSON string and lines end at the two bytes
/// `\n` (the npm package's `bpe_ranks` read straight from the file, skipping JSON.parse and a UTF-16
/// round trip in JS). Base64 has no backslash, so any other escape fails as a bad token.
fn lines(text: &[u8], escaped: bool) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let t = rest?;
        let end = if escaped {
            let mut from = 0;
            loop {
                match t[from..].iter().position(|&b| b == b'\\') {
                    Some(k) if t.get(from + k + 1) == Some(&b'n') => break Some(from + k),
                    Some(k) => from += k + 1,
                    None => break None,
                }
            }
        } else {
            t.iter().position(|&b| b == b'\n')
        };
        match end {
            Some(e) => {
                rest = Some(&t[e + if escaped { 2 } else { 1 }..]);
                Some(&t[..e])
            }
            None => {
                rest = None;
                Some(t)
            }
        }
    })
}

/// Tokens indexed by rank, from either format, as one flat table (no allocation per token: this is
/// the whole load of a GPT-2 tokenizer from ranks).
pub fn parse_rank_text(text: &[u8]) -> Result<VocabTable> {
    parse_rank_lines(text, false)
}

/// `parse_rank_text` over a JSON string's body (see `lines`).
pub fn parse_rank_lines(text: &[u8], escaped: bool) -> Result<VocabTable> {
    let mut d = Decoded {
        bytes: Vec::with_capacity(text.len() * 3 / 4),
        toks: Vec::with_capacity(text.len() / 8),
        in_order: true,
    };
    for (i, raw) in lines(text, escaped).enumerate() {
        let line = i + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let raw = if escaped {
            raw.strip_suffix(b"\\r").unwrap_or(raw)
        } else {
            raw
        };
        if raw.is_empty() {
            continue;
        }
        let mut fields = raw.split(|&b| b == b' ');
        let first = fields.next().unwrap_or_default();
        if first == b"!" {
            let offset = number(fields.next().unwrap_or_default(), line)?;
            for (j, tok) in fields.enumerate() {
                d.push(offset + j, tok, line)?;
            }
        } else {
            let rank = number(fields.next().unwrap_or_default(), line)?;
            if fields.next().is_some() {
                return Err(Error::BadRankFile {
                    line,
                    why: "expected \"base64token rank\"",
                });
            }
            d.push(rank, first, line)?;
        }
    }
    if d.in_order {
        let ends = d.toks.iter().map(|t| t.1).collect();
        return VocabTable::from_flat(d.bytes, ends);
    }
    // Ranks out of file order (allowed by the .tiktoken format): sort, then check they are 0..n-1.
    let starts: Vec<u32> = std::iter::once(0).chain(d.toks.iter().map(|t| t.1)).collect();
    let mut order: Vec<usize> = (0..d.toks.len()).collect();
    order.sort_by_key(|&i| (d.toks[i].0, d.toks[i].2));
    let mut bytes = Vec::with_capacity(d.bytes.len());
    let mut ends = Vec::with_capacity(order.len());
    for (want, &i) in order.iter().enumerate() {
        let (rank, end, line) = d.toks[i];
        if (rank as usize) < want {
            return Err(Error::BadRankFile {
                line: line as usize,
                why: "a rank appears twice",
            });
        }
        if rank as usize > want {
            return Err(Error::MissingRank {
                rank: want as u32,
                why: "ranks must be dense (0..n-1)",
            });
        }
        bytes.extend_from_slice(&d.bytes[starts[i] as usize..end as usize]);
        ends.push(bytes.len() as u32);
    }
    VocabTable::from_flat(bytes, ends)
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
        let escaped = parse_rank_lines(b"! 0 YQ== Yg==\\n! 2 YWI=\\n", true).unwrap();
        assert_eq!(
            tokens(&escaped),
            vec![b"a".to_vec(), b"b".to_vec(), b"ab".to_vec()]
        );
        assert!(matches!(
            parse_rank_lines(b"! 0 YQ== Yg==\\n! 2 YW\\/I=", true),
            Err(Error::BadRankFile { line: 2, .. })
        ));
        assert!(matches!(
            parse_rank_text(b"YQ== 0\nQ 1\n"),
            Err(Error::BadRankFile { line: 2, .. })
        ));
        let odd = parse_rank_text(b"! 0 YWJj YWI YQ\n").unwrap();
        assert_eq!(tokens(&odd), vec![b"abc".to_vec(), b"ab".to_vec(), b"a".to_vec()]);
        assert!(matches!(
            parse_rank_text(b"YQ== 0\nYQ== 0\n"),
            Err(Error::BadRankFile { line: 2, .. })
        ));
    }
}
