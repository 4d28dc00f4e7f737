//! Writing the files `files.rs` reads: GPT-2 `vocab.json` + `merges.txt` (tokens in the byte alphabet,
//! as CS336's fixtures) and Hugging Face `tokenizer.json` (BPE model, ByteLevel pre-tokenizer with
//! use_regex true and add_prefix_space false, ByteLevel decoder, specials as added_tokens). A vocab token
//! whose bytes are a special token's UTF-8 is written as that raw text. The texts are byte for byte what
//! the wrapper's former TypeScript writers gave (JSON.stringify's escapes, layout and key order).

use super::files::push_printable;
use super::json::quoted;
use crate::error::{Error, Result};
use crate::fxhash::FxHashMap;

/// What one call writes: the texts of the files asked for.
pub(crate) struct TokenizerFiles<'a> {
    /// (id, token) pairs, each id once, in any order.
    pub vocab: Vec<(u32, &'a [u8])>,
    pub merges: Vec<(&'a [u8], &'a [u8])>,
    pub specials: &'a [String],
}

/// A vocab entry as written: its id, its key, and whether it is a special token.
struct Key {
    id: u32,
    text: String,
    special: bool,
}

impl TokenizerFiles<'_> {
    /// The vocab's keys in id order; two tokens that would share a key are refused (the one-byte special
    /// token "x" beside byte token 120), since a JSON object cannot hold both.
    fn keys(&self) -> Result<Vec<Key>> {
        let mut entries = self.vocab.clone();
        entries.sort_by_key(|&(id, _)| id);
        let mut seen: FxHashMap<String, u32> = FxHashMap::default();
        let mut keys = Vec::with_capacity(entries.len());
        for (id, token) in entries {
            let special = core::str::from_utf8(token)
                .ok()
                .filter(|s| self.specials.iter().any(|t| t == s));
            let text = match special {
                Some(s) => s.to_string(),
                None => printable(token),
            };
            if let Some(&first) = seen.get(&text) {
                return Err(Error::SameKey {
                    key: text,
                    first,
                    second: id,
                });
            }
            seen.insert(text.clone(), id);
            keys.push(Key {
                id,
                text,
                special: special.is_some(),
            });
        }
        Ok(keys)
    }

    /// vocab.json: `{token: id}` one member a line, in id order.
    pub fn vocab_json(&self) -> Result<String> {
        let members: Vec<String> = (self.keys()?.iter())
            .map(|k| format!("    {}: {}", quoted(&k.text), k.id))
            .collect();
        Ok(format!("{{\n{}\n}}\n", members.join(",\n")))
    }

    /// merges.txt: `left right` a line, no `#version` header.
    pub fn merges_txt(&self) -> String {
        let mut out = String::new();
        for (l, r) in &self.merges {
            push_printable(l, &mut out);
            out.push(' ');
            push_printable(r, &mut out);
            out.push('\n');
        }
        out
    }

    /// tokenizer.json as `JSON.stringify(doc, null, 2)` wrote it.
    pub fn tokenizer_json(&self) -> Result<String> {
        let keys = self.keys()?;
        let added: Vec<String> = (keys.iter().filter(|k| k.special))
            .map(|k| {
                format!(
                    "{{\n      \"id\": {},\n      \"content\": {},\n      \"single_word\": false,\n      \
                     \"lstrip\": false,\n      \"rstrip\": false,\n      \"normalized\": false,\n      \
                     \"special\": true\n    }}",
                    k.id,
                    quoted(&k.text)
                )
            })
            .collect();
        // JSON.stringify puts an object's array-index keys ("0", "2024") first, in numeric order.
        let mut order: Vec<&Key> = keys.iter().collect();
        order.sort_by_key(|k| array_index(&k.text).map_or((1, 0), |n| (0, n)));
        let vocab: Vec<String> = (order.iter())
            .map(|k| format!("{}: {}", quoted(&k.text), k.id))
            .collect();
        let merges: Vec<String> = (self.merges.iter())
            .map(|(l, r)| quoted(&format!("{} {}", printable(l), printable(r))))
            .collect();
        let byte_level = "{\n    \"type\": \"ByteLevel\",\n    \"add_prefix_space\": false,\n    \
                          \"trim_offsets\": true,\n    \"use_regex\": true\n  }";
        Ok(format!(
            "{{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": {},\n  \
             \"normalizer\": null,\n  \"pre_tokenizer\": {byte_level},\n  \"post_processor\": null,\n  \
             \"decoder\": {byte_level},\n  \"model\": {{\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \
             \"unk_token\": null,\n    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n    \
             \"fuse_unk\": false,\n    \"byte_fallback\": false,\n    \"ignore_merges\": false,\n    \
             \"vocab\": {},\n    \"merges\": {}\n  }}\n}}\n",
            block(&added, "[", "]", "    ", "  "),
            block(&vocab, "{", "}", "      ", "    "),
            block(&merges, "[", "]", "      ", "    "),
        ))
    }
}

fn printable(token: &[u8]) -> String {
    let mut s = String::with_capacity(token.len() * 2);
    push_printable(token, &mut s);
    s
}

/// An indented JSON array or object of `items`, empty as `[]` / `{}`.
fn block(items: &[String], open: &str, close: &str, indent: &str, outer: &str) -> String {
    if items.is_empty() {
        return format!("{open}{close}");
    }
    let sep = format!(",\n{indent}");
    format!("{open}\n{indent}{}\n{outer}{close}", items.join(&sep))
}

/// The value of `key` when JavaScript treats it as an array index: the canonical decimal form of an
/// integer below 2^32 - 1.
fn array_index(key: &str) -> Option<u32> {
    let canonical = key == "0" || (!key.starts_with('0') && key.bytes().all(|b| b.is_ascii_digit()));
    let n: u32 = key.parse().ok().filter(|_| canonical && !key.is_empty())?;
    (n != u32::MAX).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::super::files::test_files::err;
    use super::super::tokenizer_json::read_tokenizer_json;
    use super::super::vocab_json::read_vocab_json;
    use super::super::Encoder;
    use super::*;

    /// Bytes 0..255, " t", " th", "12", "<|eot|>" (special), one token that is not UTF-8.
    fn tokens() -> Vec<Vec<u8>> {
        let mut t: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
        for x in [&b" t"[..], b" th", b"12", b"<|eot|>", b"\xff\xfe"] {
            t.push(x.to_vec());
        }
        t
    }

    #[test]
    fn files_written_read_back_as_the_same_tokenizer() {
        let t = tokens();
        let specials = vec!["<|eot|>".to_string(), "<unused \"q\">".to_string()];
        // Given out of id order: the writer sorts.
        let vocab: Vec<(u32, &[u8])> = (0..t.len()).rev().map(|i| (i as u32, &t[i][..])).collect();
        let merges: Vec<(&[u8], &[u8])> = vec![(b" ", b"t"), (b" t", b"h"), (b"1", b"2"), (b"\xff", b"\xfe")];
        let files = TokenizerFiles {
            vocab,
            merges,
            specials: &specials,
        };
        let vocab_json = files.vocab_json().unwrap();
        let merges_txt = files.merges_txt();
        assert!(merges_txt.starts_with("Ġ t\nĠt h\n1 2\nÿ þ\n"), "{merges_txt}");
        assert!(vocab_json.starts_with("{\n    \"Ā\": 0,\n"), "{vocab_json}");
        let v = read_vocab_json(vocab_json.as_bytes(), &specials, "v").unwrap();
        let read: Vec<Vec<u8>> = v.entries().map(|(_, b)| b.to_vec()).collect();
        assert_eq!(read, t);
        let mut e =
            Encoder::from_gpt2_files(vocab_json.as_bytes(), merges_txt.as_bytes(), &specials, "v", "m")
                .unwrap();
        assert_eq!(e.encode(" the 12<|eot|>"), vec![257, 101, 32, 258, 259]);

        let json = files.tokenizer_json().unwrap();
        // "12" is an array index, so JSON.stringify listed it first.
        assert!(json.contains("\"vocab\": {\n      \"0\": 48,\n"), "{json}");
        let read = read_tokenizer_json(json.as_bytes(), "t").unwrap();
        let read_tokens: Vec<Vec<u8>> = read.vocab.entries().map(|(_, b)| b.to_vec()).collect();
        let mut by_id: Vec<(u32, Vec<u8>)> = read.vocab.entries().map(|(i, b)| (i, b.to_vec())).collect();
        by_id.sort();
        assert_eq!(by_id.into_iter().map(|(_, b)| b).collect::<Vec<_>>(), t);
        assert_eq!(read_tokens.len(), t.len());
        assert_eq!(read.specials, vec!["<|eot|>".to_string()]);
        let pairs: Vec<(Vec<u8>, Vec<u8>)> = read
            .merges
            .pairs()
            .map(|(l, r)| (l.to_vec(), r.to_vec()))
            .collect();
        let want: Vec<(Vec<u8>, Vec<u8>)> = files
            .merges
            .iter()
            .map(|(l, r)| (l.to_vec(), r.to_vec()))
            .collect();
        assert_eq!(pairs, want);
    }

    #[test]
    fn a_special_token_with_another_tokens_bytes_is_refused() {
        let t = tokens();
        let mut vocab: Vec<(u32, &[u8])> = (0..256).map(|i| (i as u32, &t[i][..])).collect();
        vocab.push((256, b"x"));
        let specials = ["x".to_string()];
        let files = TokenizerFiles {
            vocab,
            merges: vec![],
            specials: &specials,
        };
        let want = "ids 120 and 256 would both be written as \"x\", which vocab.json cannot hold; a special \
                    token must not have the same bytes as another token (e.g. a one-byte special token)";
        assert_eq!(err(files.vocab_json()), want);
        assert_eq!(err(files.tokenizer_json()), want);
    }

    #[test]
    fn array_indices_are_javascripts() {
        for (key, want) in [
            ("0", Some(0)),
            ("12", Some(12)),
            ("4294967294", Some(4294967294)),
            ("4294967295", None),
            ("00", None),
            ("-1", None),
            ("1e3", None),
            ("", None),
            ("+1", None),
        ] {
            assert_eq!(array_index(key), want, "{key}");
        }
    }
}
