//! `vocab.json` ({token: id}) read as the wrapper's JSON.parse-based loader read it: any escape or number
//! form, the last of duplicate keys wins at the first one's place, then each member checked in order (a
//! non-negative integer id, used once, for a token that is special or in GPT-2's alphabet). One pass into
//! a flat table, and the token index built to look for repeated keys is the one the encoder then uses.

use super::files::{malformed, not_json, outside_alphabet, token_bytes};
use super::index::TokenIndex;
use super::json::{quoted, Json, Kind};
use super::VocabTable;
use crate::error::{Error, Result};
use crate::fxhash::FxHashMap;

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

    pub(super) fn has_id(&self, id: u32) -> bool {
        self.ids.contains(&id)
    }

    pub(super) fn push(&mut self, id: u32, token: &[u8]) {
        self.bytes.extend_from_slice(token);
        self.ends.push(self.bytes.len() as u32);
        self.ids.push(id);
        self.index = None;
    }

    /// The table by id, which must be 0..n-1 (the wrapper's `fromVocab` rule), and the index built while
    /// reading when it still fits (ids in file order, the usual case).
    pub(super) fn into_table(self) -> Result<(VocabTable, Option<TokenIndex>)> {
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
    if r.kind() != Some(Kind::Object) {
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

#[cfg(test)]
mod tests {
    use super::super::files::test_files::{byte_vocab, err, printable, tokens};
    use super::*;

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
    fn errors_name_the_file_and_token() {
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
    }
}
