//! GPT-2 `vocab.json` + `merges.txt` and Hugging Face `tokenizer.json`, the only reader of these files
//! (the TypeScript wrapper hands over their bytes). Tokens are written in GPT-2's printable byte alphabet
//! (`bytes_to_unicode`), special tokens as raw text; JSON is read as JSON.parse reads it (any escape or
//! number form, the last of duplicate keys wins). Each file is one pass into a flat table, and the token
//! index built to look for duplicate keys is the one the encoder then uses. Errors name the file, the line
//! of a merge and the token, in the words the wrapper's own loaders used.

use super::index::TokenIndex;
use super::json::{lossy, quoted, Json, Syntax};
use super::{Encoder, VocabTable};
use crate::error::{Error, Result};
use crate::fxhash::FxHashMap;

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

fn malformed(file: &str, line: Option<usize>, why: String) -> Error {
    Error::FileFormat {
        file: file.to_string(),
        line,
        why,
    }
}

fn not_json(file: &str) -> impl Fn(Syntax) -> Error + '_ {
    move |e| malformed(file, None, format!("not valid JSON: {e}"))
}

/// Appends a token's bytes: a special token's UTF-8, else each character through the alphabet; false
/// (nothing appended) when a character is not in it.
fn token_bytes(tok: &str, special: bool, out: &mut Vec<u8>) -> bool {
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

fn outside_alphabet(tok: &str) -> String {
    format!(
        "token {} is not in GPT-2's byte alphabet (is it a special token? pass it as one)",
        quoted(tok)
    )
}

/// A vocab as read: (id, token) in file order, each id once.
pub struct Vocab {
    bytes: Vec<u8>,
    ends: Vec<u32>,
    ids: Vec<u32>,
    /// The index over the tokens in file order, kept from reading while it still fits.
    index: Option<TokenIndex>,
}

impl Vocab {
    pub(crate) fn len(&self) -> usize {
        self.ids.len()
    }

    /// (id, token bytes) in file order.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (u32, &[u8])> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        self.ids
            .iter()
            .zip(starts.zip(self.ends.iter()))
            .map(|(&id, (a, &b))| (id, &self.bytes[a as usize..b as usize]))
    }

    fn push(&mut self, id: u32, token: &[u8]) {
        self.bytes.extend_from_slice(token);
        self.ends.push(self.bytes.len() as u32);
        self.ids.push(id);
        self.index = None;
    }

    /// The table by id, which must be 0..n-1 (the wrapper's `fromVocab` rule), and the index built while
    /// reading when it still fits (ids in file order, the usual case).
    fn into_table(self) -> Result<(VocabTable, Option<TokenIndex>)> {
        if self.ids.iter().enumerate().all(|(k, &id)| id as usize == k) {
            return Ok((VocabTable::from_trusted(self.bytes, self.ends)?, self.index));
        }
        Ok((self.by_id()?, None))
    }

    /// The tokens placed by id, for a file that does not list them in id order.
    #[inline(never)]
    fn by_id(&self) -> Result<VocabTable> {
        let n = self.ids.len();
        let mut slot = vec![u32::MAX; n];
        for (k, &id) in self.ids.iter().enumerate() {
            match slot.get_mut(id as usize) {
                Some(s) => *s = k as u32,
                None => {
                    let present: std::collections::HashSet<u32> = self.ids.iter().copied().collect();
                    let missing = (0..n as u32).find(|i| !present.contains(i)).unwrap_or(n as u32);
                    return Err(Error::VocabGap {
                        size: n,
                        missing: missing as u64,
                        found: id as u64,
                    });
                }
            }
        }
        let tokens: Vec<&[u8]> = self.entries().map(|(_, t)| t).collect();
        let mut bytes = Vec::with_capacity(self.bytes.len());
        let mut ends = Vec::with_capacity(n);
        for &k in &slot {
            bytes.extend_from_slice(tokens[k as usize]);
            ends.push(bytes.len() as u32);
        }
        VocabTable::from_trusted(bytes, ends)
    }
}

/// One member of the vocab object as read, before duplicate keys are resolved.
struct Member {
    /// The value when it is a non-negative integer that fits an id.
    id: Option<u32>,
    /// The key is a special token (read as raw text, not through the alphabet).
    special: bool,
    /// The key is special or in the alphabet; else its token is empty and using it is an error.
    key_ok: bool,
    /// Offset of the key in the text, to quote it in an error.
    key_at: usize,
}

/// `vocab.json` ({token: id}) as the wrapper's loader read it: JSON.parse (the last of duplicate keys
/// wins, at the first one's place), then every member in order: the id must be a non-negative integer
/// used once, the token special or in the alphabet. `specials` are read as raw text. The loops are small
/// out-of-line functions: this runs before the engine has optimized anything, and its optimizing tier
/// recompiles whichever function holds a hot loop (bench/RESULTS.md, encode).
pub fn read_vocab_json(s: &[u8], specials: &[String], file: &str) -> Result<Vocab> {
    let (table, members) = read_members(s, specials, file)?;
    let index = TokenIndex::build(&table);
    // Equal keys have equal tokens, so unless two tokens are equal no key repeats.
    if index.duplicates() > 0 {
        return resolve_repeated_keys(s, table, &members, file);
    }
    let ids = checked_ids(s, &members, 0..members.len(), file)?;
    let (bytes, ends) = table.into_parts();
    Ok(Vocab {
        bytes,
        ends,
        ids,
        index: Some(index),
    })
}

/// The object's members in file order, their tokens in one table.
#[inline(never)]
fn read_members(s: &[u8], specials: &[String], file: &str) -> Result<(VocabTable, Vec<Member>)> {
    let mut bytes = Vec::with_capacity(s.len() / 2);
    let mut ends = Vec::with_capacity(s.len() / 12);
    let mut members = Vec::with_capacity(s.len() / 12);
    let mut r = Json::new(s);
    if r.peek() != Some(b'{') {
        r.skip().map_err(not_json(file))?;
        r.end().map_err(not_json(file))?;
        return Err(malformed(file, None, "must be a JSON object {token: id}".into()));
    }
    r.object(not_json(file), |key, r| {
        let key_at = r.key_at();
        let special = specials.iter().any(|t| t == key);
        let key_ok = token_bytes(key, special, &mut bytes);
        let id = r.id().map_err(not_json(file))?;
        ends.push(bytes.len() as u32);
        members.push(Member {
            id,
            special,
            key_ok,
            key_at,
        });
        Ok(())
    })?;
    r.end().map_err(not_json(file))?;
    Ok((VocabTable::from_trusted(bytes, ends)?, members))
}

/// The ids of `members[order]`, checked in that order as the wrapper's loader did: each a non-negative
/// integer, used once, for a token that is special or in the alphabet.
#[inline(never)]
fn checked_ids(
    s: &[u8],
    members: &[Member],
    order: impl Iterator<Item = usize>,
    file: &str,
) -> Result<Vec<u32>> {
    let mut ids = Vec::with_capacity(members.len());
    let mut seen = vec![false; members.len()];
    let mut beyond = std::collections::HashSet::new();
    for k in order {
        let m = &members[k];
        let Some(id) = m.id else {
            return Err(member_error(s, m, file, "not_id"));
        };
        let fresh = match seen.get_mut(id as usize) {
            Some(x) => !std::mem::replace(x, true),
            None => first_beyond(&mut beyond, id),
        };
        if !fresh {
            return Err(malformed(file, None, format!("id {id} is used twice")));
        }
        if !m.key_ok {
            return Err(member_error(s, m, file, "alphabet"));
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Whether `id`, beyond the member count (a vocab with gaps), is seen for the first time.
#[cold]
#[inline(never)]
fn first_beyond(seen: &mut std::collections::HashSet<u32>, id: u32) -> bool {
    seen.insert(id)
}

#[cold]
#[inline(never)]
fn member_error(s: &[u8], m: &Member, file: &str, kind: &str) -> Error {
    let mut key = String::new();
    let _ = Json::new(&s[m.key_at..]).string(&mut key);
    let why = match kind {
        "not_id" => format!("id of {} is not a non-negative integer", quoted(&key)),
        _ => outside_alphabet(&key),
    };
    malformed(file, None, why)
}

/// `read_vocab_json` for a file where two tokens are equal: keys may repeat, so resolve them first.
#[inline(never)]
fn resolve_repeated_keys(s: &[u8], table: VocabTable, members: &[Member], file: &str) -> Result<Vocab> {
    let order = last_of_each_key(&table, members);
    let ids = checked_ids(s, members, order.iter().copied(), file)?;
    let mut vocab = Vocab {
        bytes: Vec::new(),
        ends: Vec::with_capacity(order.len()),
        ids: Vec::with_capacity(order.len()),
        index: None,
    };
    for (k, id) in order.into_iter().zip(ids) {
        vocab.push(id, table.get(k as u32).unwrap_or_default());
    }
    Ok(vocab)
}

/// Member indices in file order with each key once, at its first place (JSON.parse's object); a later
/// value of the same key replaces the earlier one's. A key outside the alphabet stays where it is: using
/// it is an error anyway.
fn last_of_each_key(table: &VocabTable, members: &[Member]) -> Vec<usize> {
    let mut first: FxHashMap<(&[u8], bool), usize> = FxHashMap::default();
    let mut order: Vec<usize> = Vec::with_capacity(members.len());
    for (k, m) in members.iter().enumerate() {
        if !m.key_ok {
            order.push(k);
            continue;
        }
        let token = table.get(k as u32).unwrap_or_default();
        match first.get(&(token, m.special)) {
            Some(&place) => order[place] = k,
            None => {
                first.insert((token, m.special), order.len());
                order.push(k);
            }
        }
    }
    order
}

/// Merges in file order: (left, right) byte ranges into one buffer, and each one's line.
pub struct Merges {
    bytes: Vec<u8>,
    spans: Vec<(u32, u32, u32)>,
    lines: Vec<u32>,
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

/// What a Hugging Face `tokenizer.json` holds for a byte-level BPE: its model's vocab (plus added tokens
/// kept out of it, with their ids), merges, and special tokens (its added tokens, in order).
pub(crate) struct TokenizerJson {
    pub vocab: Vocab,
    pub merges: Merges,
    pub specials: Vec<String>,
}

/// Reads `tokenizer.json`: `model` must be `{"type": "BPE", "vocab": {...}, "merges": [...]}`, each merge
/// `"left right"` or `["left", "right"]`; other members are skipped.
pub(crate) fn read_tokenizer_json(s: &[u8], file: &str) -> Result<TokenizerJson> {
    let mut model_type: Option<String> = None;
    let mut vocab_at: Option<usize> = None;
    let mut merges: Option<String> = None;
    let mut added: Vec<(String, Option<u32>)> = Vec::new();
    let mut r = Json::new(s);
    let shape = || {
        let why =
            "expected a Hugging Face tokenizer.json with a BPE model (model.type \"BPE\", vocab, merges)";
        malformed(file, None, why.into())
    };
    if r.peek() != Some(b'{') {
        r.skip().map_err(not_json(file))?;
        r.end().map_err(not_json(file))?;
        return Err(shape());
    }
    r.object(not_json(file), |key, r| match key {
        "model" => {
            (model_type, vocab_at, merges) = (None, None, None);
            if r.peek() != Some(b'{') {
                return r.skip().map_err(not_json(file));
            }
            r.object(not_json(file), |key, r| {
                match key {
                    "type" if r.peek() == Some(b'"') => {
                        let mut t = String::new();
                        r.string(&mut t).map_err(not_json(file))?;
                        model_type = Some(t);
                        return Ok(());
                    }
                    "vocab" => vocab_at = (!r.is_falsy()).then_some(r.at()),
                    "merges" if r.peek() == Some(b'[') => {
                        merges = Some(read_merge_list(r, file)?);
                        return Ok(());
                    }
                    "type" => model_type = None,
                    "merges" => merges = None,
                    _ => {}
                }
                r.skip().map_err(not_json(file))
            })
        }
        "added_tokens" => {
            added.clear();
            if r.peek() != Some(b'[') {
                return r.skip().map_err(not_json(file));
            }
            r.array(not_json(file), |i, r| {
                added.push(read_added_token(r, i, file)?);
                Ok(())
            })
        }
        _ => r.skip().map_err(not_json(file)),
    })?;
    r.end().map_err(not_json(file))?;
    let (Some("BPE"), Some(vocab_at), Some(merges)) = (model_type.as_deref(), vocab_at, merges) else {
        return Err(shape());
    };
    let specials: Vec<String> = added.iter().map(|(t, _)| t.clone()).collect();
    let mut span = Json::new(&s[vocab_at..]);
    span.skip().map_err(not_json(file))?;
    let mut vocab = read_vocab_json(&s[vocab_at..vocab_at + span.at()], &specials, file)?;
    // HF files may keep added tokens out of model.vocab; their ids live on the added_tokens entries.
    for (content, id) in &added {
        if let Some(id) = *id {
            if !vocab.ids.contains(&id) {
                vocab.push(id, content.as_bytes());
            }
        }
    }
    let merges = read_merges_txt(merges.as_bytes(), file)?;
    Ok(TokenizerJson {
        vocab,
        merges,
        specials,
    })
}

/// The merges array as merges.txt text (one per line, a pair joined by a space): the form the wrapper's
/// loader parsed it in.
fn read_merge_list(r: &mut Json, file: &str) -> Result<String> {
    let mut text = String::new();
    let mut item = String::new();
    let bad = || {
        let why = "model.merges must hold \"left right\" strings or [left, right] pairs of strings";
        malformed(file, None, why.into())
    };
    r.array(not_json(file), |i, r| {
        if i > 0 {
            text.push('\n');
        }
        match r.peek() {
            Some(b'"') => {
                r.string(&mut item).map_err(not_json(file))?;
                text.push_str(&item);
                Ok(())
            }
            Some(b'[') => r.array(not_json(file), |j, r| {
                if r.peek() != Some(b'"') {
                    return Err(bad());
                }
                r.string(&mut item).map_err(not_json(file))?;
                if j > 0 {
                    text.push(' ');
                }
                text.push_str(&item);
                Ok(())
            }),
            _ => Err(bad()),
        }
    })?;
    Ok(text)
}

/// One `added_tokens` entry: its content and, when it is a non-negative integer, its id.
fn read_added_token(r: &mut Json, i: usize, file: &str) -> Result<(String, Option<u32>)> {
    let mut content: Option<String> = None;
    let mut id = None;
    r.object(not_json(file), |key, r| {
        match key {
            "content" if r.peek() == Some(b'"') => {
                let mut c = String::new();
                r.string(&mut c).map_err(not_json(file))?;
                content = Some(c);
            }
            "id" => id = r.id().map_err(not_json(file))?,
            _ => r.skip().map_err(not_json(file))?,
        }
        Ok(())
    })?;
    let content = content
        .ok_or_else(|| malformed(file, None, format!("added_tokens[{i}] has no \"content\" string")))?;
    Ok((content, id))
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
        let built = Encoder::from_merge_pairs(table, index, merges.pairs(), merges.len(), specials);
        built.map_err(|e| match e {
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
        Encoder::from_files(t.vocab, &t.merges, &t.specials, file, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GPT-2's printable character for byte `b`.
    fn printable(b: u8) -> char {
        let c = CHAR_TO_BYTE.iter().position(|&x| x == b as u16).unwrap();
        char::from_u32(c as u32).unwrap()
    }

    /// vocab.json text of the 256 bytes (some keys escaped) plus `extra` members.
    fn byte_vocab(extra: &str) -> String {
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

    fn tokens(v: &Vocab) -> Vec<(u32, Vec<u8>)> {
        v.entries().map(|(id, t)| (id, t.to_vec())).collect()
    }

    fn err(r: Result<impl Sized>) -> String {
        r.err().expect("an error").to_string()
    }

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
    fn json_as_json_parse_reads_it() {
        // 256.0 is an integer id and "\/" is "/"; a repeated key keeps its last value at its first place.
        let odd = byte_vocab("\"Ġt\": 2.56e2").replace("\"/\": 47", "\"\\/\": 47.0");
        let v = read_vocab_json(odd.as_bytes(), &[], "odd.json").unwrap();
        assert_eq!(
            (tokens(&v)[47].1.clone(), tokens(&v)[256].0),
            (b"/".to_vec(), 256)
        );
        let dup = byte_vocab("\"Ġt\": 257, \"Ġt\": 256");
        let v = read_vocab_json(dup.as_bytes(), &[], "dup.json").unwrap();
        assert_eq!((v.len(), tokens(&v)[256].clone()), (257, (256, b" t".to_vec())));
        let dup_bad_first = byte_vocab("\"Ġt\": \"x\", \"Ġt\": 256");
        assert_eq!(
            read_vocab_json(dup_bad_first.as_bytes(), &[], "d").unwrap().len(),
            257
        );
        // A special key and an alphabet key with the same bytes are two keys: both stay.
        let alphabet: String = "日".bytes().map(printable).collect();
        let twins = byte_vocab(&format!("\"{alphabet}\": 256, \"日\": 257"));
        let v = read_vocab_json(twins.as_bytes(), &["日".to_string()], "t").unwrap();
        assert_eq!(v.len(), 258);
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
            ("[1]", "v.json: must be a JSON object {token: id}"),
            ("{\"a\": 1.5}", "v.json: id of \"a\" is not a non-negative integer"),
            ("{\"a\": -1}", "v.json: id of \"a\" is not a non-negative integer"),
            ("{\"a\": \"0\"}", "v.json: id of \"a\" is not a non-negative integer"),
            ("{\"a\": 0, \"b\": 0}", "v.json: id 0 is used twice"),
            ("{\"a€\": 0}", "v.json: token \"a€\" is not in GPT-2's byte alphabet (is it a special token? pass it as one)"),
            ("{\"a\": 0} x", "v.json: not valid JSON: unexpected 'x' at byte 9, expected the end of the text"),
            ("{\"a\": 0", "v.json: not valid JSON: the text ends where ',' or '}' was expected"),
        ] {
            assert_eq!(err(read_vocab_json(text.as_bytes(), &[], "v.json")), want, "{text}");
        }
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
    fn tokenizer_json_model_added_tokens_and_specials() {
        let vocab = byte_vocab("\"Ġt\": 256, \"<|eot|>\": 257");
        let doc = format!(
            r#"{{"version": "1.0", "added_tokens": [{{"id": 257, "content": "<|eot|>", "special": true}},
               {{"id": 258, "content": "<pad>"}}], "model": {{"type": "BPE", "dropout": null,
               "vocab": {vocab}, "merges": [["Ġ", "t"]]}}}}"#
        );
        let t = read_tokenizer_json(doc.as_bytes(), "tok.json").unwrap();
        assert_eq!(t.specials, vec!["<|eot|>", "<pad>"]);
        assert_eq!(tokens(&t.vocab)[258], (258, b"<pad>".to_vec()));
        let mut e = Encoder::from_tokenizer_json(doc.as_bytes(), &["<pad>".into()], "tok.json").unwrap();
        assert_eq!(e.encode(" t<pad><|eot|>"), vec![256, 258, 257]);
        assert_eq!(
            err(Encoder::from_tokenizer_json(
                doc.as_bytes(),
                &["<x>".into(), "<y>".into()],
                "tok.json"
            )),
            "special tokens \"<x>\", \"<y>\" not in tok.json (its special tokens: \"<|eot|>\", \"<pad>\"); \
             retrain with them or drop the flag"
        );
        let shape = "tok.json: expected a Hugging Face tokenizer.json with a BPE model (model.type \"BPE\", \
                     vocab, merges)";
        for bad in [
            r#"{"model": {"type": "WordPiece", "vocab": {}, "merges": []}}"#,
            r#"{"model": null}"#,
            "[]",
        ] {
            assert_eq!(
                err(read_tokenizer_json(bad.as_bytes(), "tok.json")),
                shape,
                "{bad}"
            );
        }
    }
}
