//! tiktoken rank text, parsed in Rust because it dominates load time in JS: `.tiktoken` files
//! (`base64token rank` per line) and the `bpe_ranks` string of the tiktoken npm package's encoders
//! (`! firstRank tok tok …` per line, consecutive ranks). Ranks must be dense: a rank is the token's id.

use crate::error::{Error, Result};

fn b64_value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    } as u32)
}

fn base64(s: &[u8], line: usize) -> Result<Vec<u8>> {
    let body = s
        .strip_suffix(b"==")
        .or_else(|| s.strip_suffix(b"="))
        .unwrap_or(s);
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in body {
        let v = b64_value(c).ok_or(Error::BadRankFile {
            line,
            why: "a token is not base64",
        })?;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
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

/// Tokens indexed by rank, from either format.
pub fn parse_rank_text(text: &[u8]) -> Result<Vec<Vec<u8>>> {
    let mut by_rank: Vec<Option<Vec<u8>>> = Vec::new();
    let mut put = |rank: usize, tok: Vec<u8>, line: usize| -> Result<()> {
        if rank >= by_rank.len() {
            by_rank.resize(rank + 1, None);
        }
        if by_rank[rank].replace(tok).is_some() {
            return Err(Error::BadRankFile {
                line,
                why: "a rank appears twice",
            });
        }
        Ok(())
    };
    for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
        let line = i + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.is_empty() {
            continue;
        }
        let mut fields = raw.split(|&b| b == b' ');
        let first = fields.next().unwrap_or_default();
        if first == b"!" {
            let offset = number(fields.next().unwrap_or_default(), line)?;
            for (j, tok) in fields.enumerate() {
                put(offset + j, base64(tok, line)?, line)?;
            }
        } else {
            let rank = number(fields.next().unwrap_or_default(), line)?;
            if fields.next().is_some() {
                return Err(Error::BadRankFile {
                    line,
                    why: "expected \"base64token rank\"",
                });
            }
            put(rank, base64(first, line)?, line)?;
        }
    }
    by_rank
        .into_iter()
        .enumerate()
        .map(|(rank, t)| {
            t.ok_or(Error::MissingRank {
                rank: rank as u32,
                why: "ranks must be dense (0..n-1)",
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_and_errors() {
        let npm = parse_rank_text(b"! 0 YQ== Yg== YWI=\n").unwrap();
        assert_eq!(npm, vec![b"a".to_vec(), b"b".to_vec(), b"ab".to_vec()]);
        let file = parse_rank_text(b"Yg== 1\nYQ== 0\r\n\n").unwrap();
        assert_eq!(file, vec![b"a".to_vec(), b"b".to_vec()]);
        assert!(matches!(
            parse_rank_text(b"YQ== 0\nYg== 2\n"),
            Err(Error::MissingRank { rank: 1, .. })
        ));
        assert!(matches!(
            parse_rank_text(b"Y*== 0\n"),
            Err(Error::BadRankFile { line: 1, .. })
        ));
        assert!(matches!(
            parse_rank_text(b"YQ== 0\nYQ== 0\n"),
            Err(Error::BadRankFile { line: 2, .. })
        ));
    }
}
