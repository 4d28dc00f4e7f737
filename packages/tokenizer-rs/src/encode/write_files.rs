//! Writing the files `files.rs` reads: GPT-2 `vocab.json` + `merges.txt` (tokens in the byte alphabet,
//! as CS336's fixtures) and Hugging Face `tokenizer.json` (BPE model, ByteLevel pre-tokenizer with
//! use_regex true and add_prefix_space false, ByteLevel decoder, specials as added_tokens). A vocab token
//! whose bytes are a special token's UTF-8 is written as that raw text. The texts are byte for byte what
//! the wrapper's former TypeScript writers gave (JSON.stringify's escapes, layout and key order).
//! A file is planned as pieces (literal text, or a token to spell in the byte alphabet) and rendered in
//! bounded chunks: text without whitespace makes tokens of hundreds of megabytes, and a whole file held
//! as one string was several times the corpus.

use super::files::{push_printable, token_bytes, BYTE_TO_CHAR};
use super::json::quoted;
use crate::error::{Error, Result};
use crate::fxhash::FxHashMap;
use std::borrow::Cow;

/// What one call writes: the texts of the files asked for.
pub(crate) struct TokenizerFiles<'a> {
    /// (id, token) pairs, each id once, in any order.
    pub vocab: Vec<(u32, &'a [u8])>,
    pub merges: Vec<(&'a [u8], &'a [u8])>,
    pub specials: &'a [String],
}

/// The three files, in the order the wrapper asks for them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FileKind {
    VocabJson,
    MergesTxt,
    TokenizerJson,
}

/// A token spelled in the byte alphabet: vocab entry i, or the left / right part of merge i.
#[derive(Clone, Copy)]
enum Source {
    Vocab(u32),
    Left(u32),
    Right(u32),
}

#[derive(Clone, Copy)]
enum Piece {
    /// `Plan::lits[from..to]`.
    Lit(usize, usize),
    /// A token's bytes in the byte alphabet, JSON-escaped when `escape`.
    Token(Source, bool),
}

/// A file as pieces; owns no token bytes, so it outlives a borrow of them.
#[derive(Default)]
pub(crate) struct Plan {
    lits: String,
    pieces: Vec<Piece>,
}

impl Plan {
    fn lit(&mut self, s: &str) {
        let from = self.lits.len();
        self.lits.push_str(s);
        match self.pieces.last_mut() {
            Some(Piece::Lit(_, to)) if *to == from => *to = self.lits.len(),
            _ => self.pieces.push(Piece::Lit(from, self.lits.len())),
        }
    }

    fn token(&mut self, s: Source, escape: bool) {
        self.pieces.push(Piece::Token(s, escape));
    }

    /// `items` as an indented JSON array or object, empty as `[]` / `{}` (see `block`).
    fn block(
        &mut self,
        n: usize,
        open: &str,
        close: &str,
        indent: &str,
        outer: &str,
        mut item: impl FnMut(&mut Plan, usize),
    ) {
        if n == 0 {
            self.lit(open);
            return self.lit(close);
        }
        self.lit(&format!("{open}\n{indent}"));
        for i in 0..n {
            if i > 0 {
                self.lit(&format!(",\n{indent}"));
            }
            item(self, i);
        }
        self.lit(&format!("\n{outer}{close}"));
    }
}

/// Where rendering stopped: a piece, and a byte offset into it (into the token for a token piece).
#[derive(Default)]
pub(crate) struct Cursor {
    piece: usize,
    at: usize,
}

/// What a key is equal by: the bytes the alphabet spells (a token, or a special token's text read back
/// through the alphabet), else raw text the alphabet cannot spell.
#[derive(PartialEq, Eq, Hash)]
enum KeyId<'a> {
    Bytes(Cow<'a, [u8]>),
    Raw(&'a str),
}

/// A vocab entry as written: its index in `vocab`, its id, and its special token if it is one.
struct Key<'a> {
    index: u32,
    id: u32,
    special: Option<&'a str>,
}

impl<'a> TokenizerFiles<'a> {
    /// The vocab's keys in id order; two tokens that would share a key are refused (the one-byte special
    /// token "x" beside byte token 120), since a JSON object cannot hold both. Keys are compared as bytes
    /// (the alphabet is one-to-one), so a token of megabytes is hashed in place, never spelled out.
    fn keys(&self) -> Result<Vec<Key<'a>>> {
        let mut order: Vec<u32> = (0..self.vocab.len() as u32).collect();
        order.sort_by_key(|&i| self.vocab[i as usize].0);
        let longest = self.specials.iter().map(String::len).max().unwrap_or(0);
        let mut seen: FxHashMap<KeyId<'a>, u32> = FxHashMap::default();
        let mut keys = Vec::with_capacity(order.len());
        for index in order {
            let (id, token) = self.vocab[index as usize];
            let special = Some(token)
                .filter(|t| t.len() <= longest)
                .and_then(|t| core::str::from_utf8(t).ok())
                .and_then(|s| self.specials.iter().find(|t| *t == s))
                .map(String::as_str);
            let key = match special {
                Some(s) => unprintable(s).map_or(KeyId::Raw(s), |b| KeyId::Bytes(Cow::Owned(b))),
                None => KeyId::Bytes(Cow::Borrowed(token)),
            };
            if let Some(&first) = seen.get(&key) {
                return Err(Error::SameKey {
                    key: special.map_or_else(|| printable(token), str::to_string),
                    first,
                    second: id,
                });
            }
            seen.insert(key, id);
            keys.push(Key { index, id, special });
        }
        Ok(keys)
    }

    /// A key as a JSON string: a special token's raw text, else the token in the byte alphabet.
    fn key(plan: &mut Plan, k: &Key) {
        match k.special {
            Some(s) => plan.lit(&quoted(s)),
            None => {
                plan.lit("\"");
                plan.token(Source::Vocab(k.index), true);
                plan.lit("\"");
            }
        }
    }

    /// The pieces of `file`; fails only where two vocab entries would share a key.
    pub fn plan(&self, file: FileKind) -> Result<Plan> {
        let mut p = Plan::default();
        match file {
            FileKind::VocabJson => {
                // `{token: id}` one member a line, in id order.
                let keys = self.keys()?;
                p.lit("{\n");
                for (i, k) in keys.iter().enumerate() {
                    p.lit(if i > 0 { ",\n    " } else { "    " });
                    Self::key(&mut p, k);
                    p.lit(&format!(": {}", k.id));
                }
                p.lit("\n}\n");
            }
            FileKind::MergesTxt => {
                // `left right` a line, no `#version` header.
                for i in 0..self.merges.len() as u32 {
                    p.token(Source::Left(i), false);
                    p.lit(" ");
                    p.token(Source::Right(i), false);
                    p.lit("\n");
                }
            }
            FileKind::TokenizerJson => self.tokenizer_json_plan(&mut p)?,
        }
        Ok(p)
    }

    /// tokenizer.json as `JSON.stringify(doc, null, 2)` wrote it.
    fn tokenizer_json_plan(&self, p: &mut Plan) -> Result<()> {
        let keys = self.keys()?;
        let added: Vec<&Key> = keys.iter().filter(|k| k.special.is_some()).collect();
        // JSON.stringify puts an object's array-index keys ("0", "2024") first, in numeric order.
        let mut order: Vec<&Key> = keys.iter().collect();
        order.sort_by_key(|k| self.array_index(k).map_or((1, 0), |n| (0, n)));
        let byte_level = "{\n    \"type\": \"ByteLevel\",\n    \"add_prefix_space\": false,\n    \
                          \"trim_offsets\": true,\n    \"use_regex\": true\n  }";
        // The frame around the three blocks, cut at NUL marks.
        let frame = format!(
            "{{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": \0,\n  \
             \"normalizer\": null,\n  \"pre_tokenizer\": {byte_level},\n  \"post_processor\": null,\n  \
             \"decoder\": {byte_level},\n  \"model\": {{\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \
             \"unk_token\": null,\n    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n    \
             \"fuse_unk\": false,\n    \"byte_fallback\": false,\n    \"ignore_merges\": false,\n    \
             \"vocab\": \0,\n    \"merges\": \0\n  }}\n}}\n",
        );
        let mut frame = frame.split('\0');
        let mut next = |p: &mut Plan| p.lit(frame.next().unwrap_or_default());
        next(p);
        p.block(added.len(), "[", "]", "    ", "  ", |p, i| {
            let k = added[i];
            p.lit(&format!(
                "{{\n      \"id\": {},\n      \"content\": {},\n      \"single_word\": false,\n      \
                 \"lstrip\": false,\n      \"rstrip\": false,\n      \"normalized\": false,\n      \
                 \"special\": true\n    }}",
                k.id,
                quoted(k.special.unwrap_or_default())
            ));
        });
        next(p);
        p.block(order.len(), "{", "}", "      ", "    ", |p, i| {
            Self::key(p, order[i]);
            p.lit(&format!(": {}", order[i].id));
        });
        next(p);
        p.block(self.merges.len(), "[", "]", "      ", "    ", |p, i| {
            p.lit("\"");
            p.token(Source::Left(i as u32), true);
            p.lit(" ");
            p.token(Source::Right(i as u32), true);
            p.lit("\"");
        });
        next(p);
        Ok(())
    }

    /// The key's value as a JavaScript array index, if it is one (spelled out only when short enough).
    fn array_index(&self, k: &Key) -> Option<u32> {
        match k.special {
            Some(s) => array_index(s),
            None => {
                let token = self.vocab[k.index as usize].1;
                (token.len() <= 10)
                    .then(|| array_index(&printable(token)))
                    .flatten()
            }
        }
    }

    fn source(&self, s: Source) -> &'a [u8] {
        match s {
            Source::Vocab(i) => self.vocab[i as usize].1,
            Source::Left(i) => self.merges[i as usize].0,
            Source::Right(i) => self.merges[i as usize].1,
        }
    }

    /// Appends `plan`'s text from `cur` on until `out` holds at least `max` bytes or the plan ends;
    /// returns whether text is left. A token of megabytes is spelled a chunk at a time.
    pub fn render(&self, plan: &Plan, cur: &mut Cursor, max: usize, out: &mut Vec<u8>) -> bool {
        let tables = [spellings(false), spellings(true)];
        while let Some(&piece) = plan.pieces.get(cur.piece) {
            if out.len() >= max {
                return true;
            }
            match piece {
                Piece::Lit(from, to) => {
                    let take = (to - from - cur.at).min(max - out.len());
                    out.extend_from_slice(&plan.lits.as_bytes()[from + cur.at..from + cur.at + take]);
                    cur.at += take;
                    if from + cur.at == to {
                        (cur.piece, cur.at) = (cur.piece + 1, 0);
                    }
                }
                Piece::Token(s, escape) => {
                    let token = self.source(s);
                    // A byte is spelled in one or two bytes: the chunk overshoots `max` by at most half.
                    let end = token.len().min(cur.at.saturating_add(max - out.len()));
                    let table = &tables[escape as usize];
                    out.reserve(2 * (end - cur.at));
                    // The hot loop of a token of megabytes: one table read a byte, no char encoding.
                    for &b in &token[cur.at..end] {
                        let [n, x, y] = table[b as usize];
                        out.push(x);
                        if n == 2 {
                            out.push(y);
                        }
                    }
                    cur.at = end;
                    if end == token.len() {
                        (cur.piece, cur.at) = (cur.piece + 1, 0);
                    }
                }
            }
        }
        false
    }

    #[cfg(test)]
    fn whole(&self, file: FileKind) -> Result<String> {
        let plan = self.plan(file)?;
        let mut out = Vec::new();
        self.render(&plan, &mut Cursor::default(), usize::MAX, &mut out);
        // Pieces are UTF-8 text and whole characters.
        Ok(String::from_utf8(out).unwrap_or_default())
    }

    #[cfg(test)]
    /// vocab.json: `{token: id}` one member a line, in id order.
    pub fn vocab_json(&self) -> Result<String> {
        self.whole(FileKind::VocabJson)
    }

    #[cfg(test)]
    /// merges.txt: `left right` a line, no `#version` header.
    pub fn merges_txt(&self) -> String {
        self.whole(FileKind::MergesTxt).unwrap_or_default()
    }

    #[cfg(test)]
    /// tokenizer.json as `JSON.stringify(doc, null, 2)` wrote it.
    pub fn tokenizer_json(&self) -> Result<String> {
        self.whole(FileKind::TokenizerJson)
    }
}

/// Each byte as written in the alphabet, as (UTF-8 length, bytes); with `escape`, `"` and `\` as JSON
/// escapes (the alphabet has no control characters, so nothing else is escaped).
fn spellings(escape: bool) -> [[u8; 3]; 256] {
    let mut t = [[0u8; 3]; 256];
    for (b, e) in t.iter_mut().enumerate() {
        let c = char::from_u32(BYTE_TO_CHAR[b] as u32).unwrap_or('\u{fffd}');
        let mut buf = [0u8; 4];
        let s: &[u8] = match c {
            '"' if escape => b"\\\"",
            '\\' if escape => b"\\\\",
            c => c.encode_utf8(&mut buf).as_bytes(),
        };
        *e = [s.len() as u8, s[0], s.get(1).copied().unwrap_or(0)];
    }
    t
}

fn printable(token: &[u8]) -> String {
    let mut s = String::with_capacity(token.len() * 2);
    push_printable(token, &mut s);
    s
}

/// The bytes a string spells in the byte alphabet, if every character is in it.
fn unprintable(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    token_bytes(s, false, &mut out).then_some(out)
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
    fn files_rendered_in_chunks_are_the_whole_files() {
        let t = tokens();
        let big: Vec<u8> = (0..70_000u32).map(|i| b"a\"\\\xff"[i as usize % 4]).collect();
        let mut vocab: Vec<(u32, &[u8])> = (0..t.len()).map(|i| (i as u32, &t[i][..])).collect();
        vocab.push((t.len() as u32, &big[..]));
        let merges: Vec<(&[u8], &[u8])> = vec![(b" ", b"t"), (&big[..35_000], &big[35_000..])];
        let specials = vec!["<|eot|>".to_string()];
        let files = TokenizerFiles {
            vocab,
            merges,
            specials: &specials,
        };
        for kind in [FileKind::VocabJson, FileKind::MergesTxt, FileKind::TokenizerJson] {
            let whole = files.whole(kind).unwrap();
            for max in [1, 2, 3, 7, 4096, 50_000] {
                let plan = files.plan(kind).unwrap();
                let (mut cur, mut all) = (Cursor::default(), Vec::new());
                loop {
                    let mut chunk = Vec::new();
                    let more = files.render(&plan, &mut cur, max, &mut chunk);
                    assert!(chunk.len() <= 2 * max, "{kind:?} {max}: {}", chunk.len());
                    all.extend_from_slice(&chunk);
                    if !more {
                        break;
                    }
                }
                assert_eq!(String::from_utf8(all).unwrap(), whole, "{kind:?} {max}");
            }
        }
        let json = files.vocab_json().unwrap();
        assert!(json.contains("\"a\\\"\\\\ÿa"), "escaped as JSON.stringify does");
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
