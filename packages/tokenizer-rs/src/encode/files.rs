//! GPT-2 `vocab.json` + `merges.txt` straight from their bytes into an encoder: tokens are written in
//! GPT-2's printable byte alphabet (`bytes_to_unicode`), special tokens as raw text. In JS the same load
//! (JSON.parse, a string per token, alphabet lookups) took ~250 ms of a cold start; here it is one pass per
//! file into the flat vocab table. Only well-formed files are accepted: any irregularity (an escape this
//! reader does not take, a duplicate, a gap in the ids) is an error, and the TS loader then reads the files
//! its own, slower way, whose messages name the file, line and token (ts/files.ts). So both agree on
//! every file this accepts.

use crate::encode::{Encoder, VocabTable};
use crate::error::{Error, Result};

/// GPT-2's alphabet inverted: a code point below 0x144 → its byte, or 0xffff where it is not in it.
const CHAR_TO_BYTE: [u16; 0x144] = {
    let mut t = [0xffffu16; 0x144];
    let mut next = 0x100;
    let mut b = 0;
    while b < 256 {
        let printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
        if printable {
            t[b] = b as u16;
        } else {
            t[next] = b as u16;
            next += 1;
        }
        b += 1;
    }
    t
};

fn bad(what: &'static str, offset: usize) -> Error {
    Error::MalformedBuffer { what, offset }
}

/// A JSON string's content at `s[*i..]` (after the opening quote), unescaped into `out`; moves `*i` past
/// the closing quote.
fn json_string(s: &[u8], i: &mut usize, out: &mut String) -> Result<()> {
    out.clear();
    let start = *i;
    loop {
        let run = s[*i..]
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
            .ok_or(bad("vocab.json string", start))?;
        out.push_str(core::str::from_utf8(&s[*i..*i + run]).map_err(|_| bad("vocab.json UTF-8", *i))?);
        *i += run;
        match s[*i] {
            b'"' => {
                *i += 1;
                return Ok(());
            }
            b'\\' => {
                let c = *s.get(*i + 1).ok_or(bad("vocab.json escape", *i))?;
                *i += 2;
                let ch = match c {
                    b'"' => '"',
                    b'\\' => '\\',
                    b'/' => '/',
                    b'b' => '\u{8}',
                    b'f' => '\u{c}',
                    b'n' => '\n',
                    b'r' => '\r',
                    b't' => '\t',
                    b'u' => {
                        let hex = s.get(*i..*i + 4).ok_or(bad("vocab.json escape", *i))?;
                        let cp = core::str::from_utf8(hex)
                            .ok()
                            .and_then(|h| u32::from_str_radix(h, 16).ok())
                            .ok_or(bad("vocab.json escape", *i))?;
                        *i += 4;
                        // Surrogate pairs (a token outside the BMP) are left to the JS loader.
                        char::from_u32(cp).ok_or(bad("vocab.json escape", *i))?
                    }
                    _ => return Err(bad("vocab.json escape", *i)),
                };
                out.push(ch);
            }
            _ => return Err(bad("vocab.json control character", *i)),
        }
    }
}

fn skip_ws(s: &[u8], i: &mut usize) {
    while *i < s.len() && matches!(s[*i], b' ' | b'\n' | b'\r' | b'\t') {
        *i += 1;
    }
}

/// Appends a token's bytes: a special token's UTF-8, else each character through the alphabet.
fn token_bytes(tok: &str, specials: &[String], out: &mut Vec<u8>, at: usize) -> Result<()> {
    if specials.iter().any(|s| s == tok) {
        out.extend_from_slice(tok.as_bytes());
        return Ok(());
    }
    for c in tok.chars() {
        match CHAR_TO_BYTE.get(c as usize) {
            Some(&b) if b != 0xffff => out.push(b as u8),
            _ => return Err(bad("token outside GPT-2's byte alphabet", at)),
        }
    }
    Ok(())
}

/// `vocab.json` ({token: id}, ids exactly 0..n-1 once each) → the vocab table.
pub fn parse_vocab_json(s: &[u8], specials: &[String]) -> Result<VocabTable> {
    let mut entries: Vec<(u32, u32, u32)> = Vec::with_capacity(s.len() / 12); // (id, start, end)
    let mut bytes = Vec::with_capacity(s.len() / 2);
    let mut key = String::new();
    let mut i = 0;
    skip_ws(s, &mut i);
    if s.get(i) != Some(&b'{') {
        return Err(bad("vocab.json object", i));
    }
    i += 1;
    skip_ws(s, &mut i);
    if s.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            if s.get(i) != Some(&b'"') {
                return Err(bad("vocab.json key", i));
            }
            i += 1;
            json_string(s, &mut i, &mut key)?;
            skip_ws(s, &mut i);
            if s.get(i) != Some(&b':') {
                return Err(bad("vocab.json colon", i));
            }
            i += 1;
            skip_ws(s, &mut i);
            let digits = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 || digits > 9 {
                return Err(bad("vocab.json id", i));
            }
            let id = s[i..i + digits]
                .iter()
                .fold(0u32, |n, &d| n * 10 + (d - b'0') as u32);
            i += digits;
            let start = bytes.len() as u32;
            token_bytes(&key, specials, &mut bytes, i)?;
            entries.push((id, start, bytes.len() as u32));
            skip_ws(s, &mut i);
            match s.get(i) {
                Some(b',') => {
                    i += 1;
                    skip_ws(s, &mut i);
                }
                Some(b'}') => {
                    i += 1;
                    break;
                }
                _ => return Err(bad("vocab.json separator", i)),
            }
        }
    }
    skip_ws(s, &mut i);
    if i != s.len() {
        return Err(bad("vocab.json trailing data", i));
    }
    // Dense ids in order: the file usually lists them so; otherwise place each by id.
    let n = entries.len();
    let mut slot = vec![u32::MAX; n];
    for (k, &(id, _, _)) in entries.iter().enumerate() {
        match slot.get_mut(id as usize) {
            Some(x) if *x == u32::MAX => *x = k as u32,
            _ => return Err(bad("vocab.json ids (gap or duplicate)", id as usize)),
        }
    }
    let mut flat = Vec::with_capacity(bytes.len());
    let mut ends = Vec::with_capacity(n);
    for &k in &slot {
        let (_, a, b) = entries[k as usize];
        flat.extend_from_slice(&bytes[a as usize..b as usize]);
        ends.push(flat.len() as u32);
    }
    VocabTable::from_trusted(flat, ends)
}

/// Merges as (start, split, end) byte ranges into one buffer: left is start..split, right split..end.
pub type MergeSpans = (Vec<u8>, Vec<(u32, u32, u32)>);

/// `merges.txt` (an optional `#version` first line, then `left right` per line) → merge spans.
pub fn parse_merges_txt(s: &[u8]) -> Result<MergeSpans> {
    let mut bytes = Vec::with_capacity(s.len());
    let mut pairs = Vec::with_capacity(s.len() / 6); // (start, mid, end)
    for (n, line) in s.split(|&c| c == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() || (n == 0 && line.starts_with(b"#version")) {
            continue;
        }
        let text = core::str::from_utf8(line).map_err(|_| bad("merges.txt UTF-8", n + 1))?;
        let mut parts = text.split(' ');
        let (Some(l), Some(r), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("merges.txt line", n + 1));
        };
        if l.is_empty() || r.is_empty() {
            return Err(bad("merges.txt line", n + 1));
        }
        let start = bytes.len() as u32;
        token_bytes(l, &[], &mut bytes, n + 1)?;
        let mid = bytes.len() as u32;
        token_bytes(r, &[], &mut bytes, n + 1)?;
        pairs.push((start, mid, bytes.len() as u32));
    }
    Ok((bytes, pairs))
}

impl Encoder {
    /// From GPT-2 `vocab.json` + `merges.txt` bytes; `specials` as `from_merges` takes them.
    pub fn from_gpt2_files(vocab_json: &[u8], merges_txt: &[u8], specials: &[String]) -> Result<Encoder> {
        let table = parse_vocab_json(vocab_json, specials)?;
        let (bytes, pairs) = parse_merges_txt(merges_txt)?;
        let merges = pairs
            .iter()
            .map(|&(a, m, b)| (&bytes[a as usize..m as usize], &bytes[m as usize..b as usize]));
        // JSON.parse keeps the last of duplicate keys; rather than mimic that, refuse duplicates here.
        Encoder::from_merge_pairs(table, merges, pairs.len(), specials, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alphabet_vocab_specials_and_rejections() {
        // "Ġ" is the space byte; "\u0100" (Ā) is byte 0; "<|eot|>" is a special token (raw text).
        let mut json = String::from("{");
        for b in 0..=255u32 {
            let c = if (0x21..=0x7e).contains(&b) || (0xa1..=0xac).contains(&b) || (0xae..=0xff).contains(&b)
            {
                char::from_u32(b).unwrap()
            } else {
                let n = (0..b)
                    .filter(|x| {
                        !((0x21..=0x7e).contains(x) || (0xa1..=0xac).contains(x) || (0xae..=0xff).contains(x))
                    })
                    .count() as u32;
                char::from_u32(0x100 + n).unwrap()
            };
            let key = match c {
                '"' => "\\\"".to_string(),
                '\\' => "\\\\".to_string(),
                c if b % 7 == 0 => format!("\\u{:04x}", c as u32),
                c => c.to_string(),
            };
            json.push_str(&format!("\"{key}\": {b}, "));
        }
        json.push_str("\"Ġt\": 256, \"<|eot|>\": 257}");
        let specials = vec!["<|eot|>".to_string()];
        let v = parse_vocab_json(json.as_bytes(), &specials).unwrap();
        assert_eq!(v.len(), 258);
        for b in 0..=255u32 {
            assert_eq!(v.get(b), Some(&[b as u8][..]), "byte {b}");
        }
        assert_eq!(v.get(256), Some(&b" t"[..]));
        assert_eq!(v.get(257), Some(&b"<|eot|>"[..]));
        let mut e =
            Encoder::from_gpt2_files(json.as_bytes(), b"#version: 0.2\n\xc4\xa0 t\n", &specials).unwrap();
        assert_eq!(e.encode(" t<|eot|>"), vec![256, 257]);

        // Unlisted, "<|eot|>" is read through the alphabet, which maps ASCII to itself: same bytes.
        assert_eq!(
            parse_vocab_json(json.as_bytes(), &[]).unwrap().get(257),
            Some(&b"<|eot|>"[..])
        );
        // Two keys with the same bytes: JSON.parse would keep one key and see a gap, so refuse (→ JS path).
        let dup = json.replace("\"Ġt\": 256", "\"Ġt\": 256, \"Ġt\": 258");
        assert!(Encoder::from_gpt2_files(dup.as_bytes(), b"", &specials).is_err());
        for broken in [
            &b"{\"a\": 0, \"b\": 2}"[..],
            b"{\"a\": 0, \"a\": 0}",
            b"{\"a\": 1.5}",
            b"[1]",
            b"{\"a\": 0} x",
        ] {
            assert!(
                parse_vocab_json(broken, &[]).is_err(),
                "{}",
                String::from_utf8_lossy(broken)
            );
        }
        assert!(parse_merges_txt(b"a b c\n").is_err());
        assert!(parse_merges_txt(b"a \n").is_err());
        assert!(parse_merges_txt(b"a\xe2\x82\xac b\n").is_err());
        let (bytes, pairs) = parse_merges_txt(b"#version: 0.2\r\n\xc4\xa0 t\r\n\nh e").unwrap();
        assert_eq!(pairs.len(), 2);
        assert_eq!(&bytes[..3], b" th");
    }
}
