//! GPT-2 `vocab.json` + `merges.txt` and Hugging Face `tokenizer.json`: this crate is the only reader of
//! them (the TypeScript wrapper hands over their bytes). Tokens are written in GPT-2's printable byte
//! alphabet (`bytes_to_unicode`), special tokens as raw text. Here: the alphabet, `merges.txt`, and the
//! encoder built from the files; `vocab_json.rs` and `tokenizer_json.rs` read the JSON files. Errors name
//! the file, the line of a merge and the token, in the words the wrapper's own loaders used.

use super::json::{lossy, quoted, Syntax};
use super::tokenizer_json::read_tokenizer_json;
use super::vocab_json::{read_vocab_json, Vocab};
use super::Encoder;
use crate::error::{Error, Result};

/// GPT-2's alphabet (`bytes_to_unicode`): byte → the code point it is written as. Printable bytes stand
/// for themselves; the others take 0x100, 0x101, … in byte order. The only copy: the wrapper reads it
/// through `byte_alphabet` (src/wasm/files.rs).
pub(crate) const BYTE_TO_CHAR: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut next = 0x100;
    let mut b = 0;
    while b < 256 {
        let printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
        if printable {
            t[b] = b as u16;
        } else {
            t[b] = next;
            next += 1;
        }
        b += 1;
    }
    t
};

/// GPT-2's alphabet inverted: a code point below 0x144 → its byte, or 0xffff where it is not in it.
const CHAR_TO_BYTE: [u16; 0x144] = {
    let mut t = [0xffffu16; 0x144];
    let mut b = 0;
    while b < 256 {
        t[BYTE_TO_CHAR[b] as usize] = b as u16;
        b += 1;
    }
    t
};

/// Appends `token` written in the alphabet, e.g. b" the" → "Ġthe".
pub(crate) fn push_printable(token: &[u8], out: &mut String) {
    for &b in token {
        // Every entry is below 0x144, a scalar value.
        out.push(char::from_u32(BYTE_TO_CHAR[b as usize] as u32).unwrap_or('\u{fffd}'));
    }
}

pub(super) fn malformed(file: &str, line: Option<usize>, why: String) -> Error {
    Error::FileFormat {
        file: file.to_string(),
        line,
        why,
    }
}

pub(super) fn not_json(file: &str) -> impl Fn(Syntax) -> Error + '_ {
    move |e| malformed(file, None, format!("not valid JSON: {e}"))
}

/// Appends a token's bytes: a special token's UTF-8, else each character through the alphabet; false
/// (nothing appended) when a character is not in it.
pub(super) fn token_bytes(tok: &str, special: bool, out: &mut Vec<u8>) -> bool {
    if special {
        out.extend_from_slice(tok.as_bytes());
        return true;
    }
    let start = out.len();
    for c in tok.chars() {
        match CHAR_TO_BYTE.get(c as usize) {
            Some(&b) if b != 0xffff => out.push(b as u8),
            _ => {
                out.truncate(start);
                return false;
            }
        }
    }
    true
}

pub(super) fn outside_alphabet(tok: &str) -> String {
    format!(
        "token {} is not in GPT-2's byte alphabet (is it a special token? pass it as one)",
        quoted(tok)
    )
}

/// Merges in file order: (left, right) byte ranges into one buffer, and each one's line.
pub struct Merges {
    bytes: Vec<u8>,
    spans: Vec<(u32, u32, u32)>,
    pub(super) lines: Vec<u32>,
}

impl Merges {
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&[u8], &[u8])> + '_ {
        let b = &self.bytes;
        self.spans
            .iter()
            .map(move |&(a, m, e)| (&b[a as usize..m as usize], &b[m as usize..e as usize]))
    }

    pub(crate) fn len(&self) -> usize {
        self.spans.len()
    }
}

/// `merges.txt`: `left right` per line, tokens in the alphabet; blank lines and a first line starting
/// `#version` are skipped. Lines are numbered from 1 as in an editor.
pub fn read_merges_txt(s: &[u8], file: &str) -> Result<Merges> {
    let mut m = Merges {
        bytes: Vec::with_capacity(s.len()),
        spans: Vec::with_capacity(s.len() / 6),
        lines: Vec::with_capacity(s.len() / 6),
    };
    for (n, line) in s.split(|&c| c == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() || (n == 0 && line.starts_with(b"#version")) {
            continue;
        }
        let text = lossy(line);
        let mut parts = text.split(' ');
        let (Some(l), Some(r), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(merge_line_error(file, n + 1, &text, None));
        };
        if l.is_empty() || r.is_empty() {
            return Err(merge_line_error(file, n + 1, &text, None));
        }
        let start = m.bytes.len() as u32;
        if !token_bytes(l, false, &mut m.bytes) {
            return Err(merge_line_error(file, n + 1, &text, Some(l)));
        }
        let mid = m.bytes.len() as u32;
        if !token_bytes(r, false, &mut m.bytes) {
            return Err(merge_line_error(file, n + 1, &text, Some(r)));
        }
        m.spans.push((start, mid, m.bytes.len() as u32));
        m.lines.push(n as u32 + 1);
    }
    Ok(m)
}

/// A merges.txt line that is not `left right` (or, with `token`, whose token is outside the alphabet).
#[cold]
#[inline(never)]
fn merge_line_error(file: &str, line: usize, text: &str, token: Option<&str>) -> Error {
    let why = match token {
        Some(t) => outside_alphabet(t),
        None => format!("expected \"left right\", got {}", quoted(text)),
    };
    malformed(file, Some(line), why)
}

impl Encoder {
    /// A vocab and merges read from files; `merges_file` names the merges' lines in errors (empty: the
    /// merges have no lines of their own, as in tokenizer.json, and an error numbers the merge).
    fn from_files(
        vocab: Vocab,
        merges: &Merges,
        specials: &[String],
        vocab_file: &str,
        merges_file: &str,
    ) -> Result<Encoder> {
        let (table, index) = vocab.into_table().map_err(|e| e.in_file(vocab_file))?;
        let built = Encoder::from_merge_pairs(table, index, merges.pairs(), merges.len(), specials, true);
        built.map_err(|e| match e {
            Error::UnproducedToken { id, token, .. } => Error::UnproducedToken {
                id,
                token,
                vocab_file: vocab_file.to_string(),
                merges_file: merges_file.to_string(),
            },
            Error::MergeTokenNotInVocab { merge, token } if !merges_file.is_empty() => {
                Error::MergeLineNotInVocab {
                    file: merges_file.to_string(),
                    line: merges.lines[merge] as usize,
                    token,
                }
            }
            e => e,
        })
    }

    /// From GPT-2 `vocab.json` + `merges.txt` bytes; `specials` as `from_merges` takes them (those in the
    /// vocab keep their id, the others are appended). The file names are for messages.
    pub fn from_gpt2_files(
        vocab_json: &[u8],
        merges_txt: &[u8],
        specials: &[String],
        vocab_file: &str,
        merges_file: &str,
    ) -> Result<Encoder> {
        let vocab = read_vocab_json(vocab_json, specials, vocab_file)?;
        let merges = read_merges_txt(merges_txt, merges_file)?;
        Encoder::from_files(vocab, &merges, specials, vocab_file, merges_file)
    }

    /// From a Hugging Face `tokenizer.json`; its special tokens are its added tokens, and every one in
    /// `asked` must be among them.
    pub(crate) fn from_tokenizer_json(text: &[u8], asked: &[String], file: &str) -> Result<Encoder> {
        let t = read_tokenizer_json(text, file)?;
        let missing: Vec<String> = asked
            .iter()
            .filter(|s| !t.specials.contains(s))
            .cloned()
            .collect();
        if !missing.is_empty() {
            return Err(Error::SpecialsNotInFile {
                file: file.to_string(),
                missing,
                own: t.specials,
            });
        }
        let mut e = Encoder::from_files(t.vocab, &t.merges, &t.specials, file, "")?;
        e.pattern = t.pattern;
        Ok(e)
    }
}

#[cfg(test)]
pub(super) mod test_files {
    use crate::error::Result;

    /// GPT-2's printable character for byte `b`.
    pub(in crate::encode) fn printable(b: u8) -> char {
        let mut s = String::new();
        super::push_printable(&[b], &mut s);
        s.chars().next().unwrap()
    }

    /// vocab.json text of the 256 bytes (some keys escaped) plus `extra` members.
    pub(in crate::encode) fn byte_vocab(extra: &str) -> String {
        let mut members: Vec<String> = (0..=255u8)
            .map(|b| {
                let key = match printable(b) {
                    '"' => "\\\"".to_string(),
                    '\\' => "\\\\".to_string(),
                    c if b % 7 == 0 => format!("\\u{:04x}", c as u32),
                    c => c.to_string(),
                };
                format!("\"{key}\": {b}")
            })
            .collect();
        if !extra.is_empty() {
            members.push(extra.to_string());
        }
        format!("{{{}}}", members.join(", "))
    }

    pub(in crate::encode) fn tokens(v: &crate::encode::vocab_json::Vocab) -> Vec<(u32, Vec<u8>)> {
        v.entries().map(|(id, t)| (id, t.to_vec())).collect()
    }

    pub(in crate::encode) fn err(r: Result<impl Sized>) -> String {
        r.err().expect("an error").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::test_files::{byte_vocab, err, tokens};
    use super::*;

    #[test]
    fn alphabet_escapes_and_specials() {
        let json = byte_vocab("\"Ġt\": 256, \"<|eot|>\": 257");
        let specials = vec!["<|eot|>".to_string()];
        let v = read_vocab_json(json.as_bytes(), &specials, "v.json").unwrap();
        let t = tokens(&v);
        assert_eq!(t.len(), 258);
        for b in 0..=255u8 {
            assert_eq!(t[b as usize], (b as u32, vec![b]), "byte {b}");
        }
        assert_eq!(t[256], (256, b" t".to_vec()));
        assert_eq!(t[257], (257, b"<|eot|>".to_vec()));
        let mut e = Encoder::from_gpt2_files(
            json.as_bytes(),
            "#version: 0.2\nĠ t\n".as_bytes(),
            &specials,
            "v",
            "m",
        )
        .unwrap();
        assert_eq!(e.encode(" t<|eot|>"), vec![256, 257]);
        // Unlisted, "<|eot|>" is read through the alphabet, which maps ASCII to itself: same bytes.
        let plain = read_vocab_json(json.as_bytes(), &[], "v.json").unwrap();
        assert_eq!(tokens(&plain)[257].1, b"<|eot|>");
    }

    #[test]
    fn errors_name_the_file_line_and_token() {
        let no_space = byte_vocab("").replace("\"Ġ\": 32, ", "");
        assert_eq!(
            err(Encoder::from_gpt2_files(
                no_space.as_bytes(),
                b"",
                &[],
                "v.json",
                "m.txt"
            )),
            "v.json: vocab ids must be 0..254 without gaps; id 32 is missing (found 255)"
        );
        for (text, want) in [
            ("Ġ t\nabc\n", "m.txt line 2: expected \"left right\", got \"abc\""),
            ("a \n", "m.txt line 1: expected \"left right\", got \"a \""),
            ("a\u{100}\u{4e00} b", "m.txt line 1: token \"a\u{100}\u{4e00}\" is not in GPT-2's byte alphabet (is it a special token? pass it as one)"),
        ] {
            assert_eq!(err(read_merges_txt(text.as_bytes(), "m.txt")), want, "{text}");
        }
        let m = read_merges_txt("#version: 0.2\r\nĠ t\r\n\nh e".as_bytes(), "m").unwrap();
        assert_eq!((m.len(), m.lines.clone()), (2, vec![2, 4]));
        let vocab = byte_vocab("\"Ġt\": 256");
        assert_eq!(
            err(Encoder::from_gpt2_files(
                vocab.as_bytes(),
                "Ġ t\n\nq z\n".as_bytes(),
                &[],
                "v",
                "m.txt"
            )),
            "m.txt line 3: the merge names or produces the token \"qz\", which is not in the vocab; every \
             merge's parts and their concatenation must be vocab entries"
        );
    }

    #[test]
    fn a_vocab_token_no_merge_produces_is_a_truncated_merges_file() {
        let vocab = byte_vocab("\"Ġt\": 256, \"Ġth\": 257, \"<|eot|>\": 258");
        assert_eq!(
            err(Encoder::from_gpt2_files(
                vocab.as_bytes(),
                "Ġ t\n".as_bytes(),
                &[],
                "v.json",
                "m.txt"
            )),
            "v.json: token \" th\" (id 257) is in the vocab, but no merge in m.txt produces it (is the file \
             truncated?); every token longer than one byte must be the result of a merge"
        );
        // Whole, it loads; "<|eot|>" unnamed has no two-token split, so it loads as a plain vocab entry.
        assert!(Encoder::from_gpt2_files(vocab.as_bytes(), "Ġ t\nĠt h\n".as_bytes(), &[], "v", "m").is_ok());
    }
}
