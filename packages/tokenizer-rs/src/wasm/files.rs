//! WASM exports that read tokenizer files without building an encoder, for the wrapper's public parse
//! functions (`parseVocabJson`, `parseMergesTxt`, `loadTokenizerJson`, `parseTiktokenRanks`): what a file
//! holds goes back in the result buffer as one `Parts` block, read by ts/readers.ts. All numbers u32 LE:
//! vocab count n, n ids, n × (length, token bytes); merge count m, m × (length, left, length, right);
//! special-token count k, k × (length, UTF-8), k ids (0 where a file gives none).
//! Writing them (`write_tokenizer_files`) and GPT-2's byte alphabet (`byte_alphabet`) are here too.

use super::{bytes, fail, read_byte_list, read_specials, read_string_list, set_result};
use crate::encode::files::{push_printable, read_merges_txt, Merges};
use crate::encode::rank_file::read_rank_file;
use crate::encode::tokenizer_json::read_tokenizer_json;
use crate::encode::vocab_json::{read_vocab_json, Vocab};
use crate::encode::write_files::TokenizerFiles;
use crate::encode::VocabTable;
use crate::error::{Error, Result};

#[derive(Default)]
struct Parts(Vec<u8>);

impl Parts {
    fn int(&mut self, n: usize) {
        self.0.extend_from_slice(&(n as u32).to_le_bytes());
    }

    fn item(&mut self, b: &[u8]) {
        self.int(b.len());
        self.0.extend_from_slice(b);
    }

    fn vocab(&mut self, v: Option<&Vocab>) {
        let Some(v) = v else { return self.int(0) };
        self.int(v.len());
        v.entries().for_each(|(id, _)| self.int(id as usize));
        v.entries().for_each(|(_, t)| self.item(t));
    }

    /// Tokens by rank (id = rank).
    fn ranked(&mut self, t: &VocabTable) {
        self.int(t.len());
        (0..t.len()).for_each(|id| self.int(id));
        (0..t.len() as u32).for_each(|id| self.item(t.get(id).unwrap_or_default()));
    }

    fn merges(&mut self, m: Option<&Merges>) {
        let Some(m) = m else { return self.int(0) };
        self.int(m.len());
        for (l, r) in m.pairs() {
            self.item(l);
            self.item(r);
        }
    }

    fn specials(&mut self, names: &[String], ids: &[u32]) {
        self.int(names.len());
        names.iter().for_each(|s| self.item(s.as_bytes()));
        (0..names.len()).for_each(|i| self.int(ids.get(i).copied().unwrap_or(0) as usize));
    }

    /// Puts the parts in the result buffer; returns the status.
    fn done(self) -> i32 {
        let n = self.0.len() as i32;
        set_result(self.0);
        n
    }
}

fn finish(r: Result<Parts>) -> i32 {
    r.map_or_else(|e| fail(&e), Parts::done)
}

/// vocab.json bytes with its special tokens (read as raw text) and its name (one-item list) → vocab.
///
/// # Safety
/// Each (ptr, len) pair must describe live memory from `alloc`.
#[no_mangle]
pub unsafe extern "C" fn parse_vocab_json(
    text_ptr: *const u8,
    text_len: usize,
    specials_ptr: *const u8,
    specials_len: usize,
    name_ptr: *const u8,
    name_len: usize,
) -> i32 {
    finish((|| {
        let specials = read_string_list(bytes(specials_ptr, specials_len))?;
        let name = read_string_list(bytes(name_ptr, name_len))?.concat();
        let v = read_vocab_json(bytes(text_ptr, text_len), &specials, &name)?;
        let mut p = Parts::default();
        p.vocab(Some(&v));
        p.merges(None);
        p.specials(&[], &[]);
        Ok(p)
    })())
}

/// merges.txt bytes and its name (one-item list) → merges.
///
/// # Safety
/// Each (ptr, len) pair must describe live memory from `alloc`.
#[no_mangle]
pub unsafe extern "C" fn parse_merges_txt(
    text_ptr: *const u8,
    text_len: usize,
    name_ptr: *const u8,
    name_len: usize,
) -> i32 {
    finish((|| {
        let name = read_string_list(bytes(name_ptr, name_len))?.concat();
        let m = read_merges_txt(bytes(text_ptr, text_len), &name)?;
        let mut p = Parts::default();
        p.vocab(None);
        p.merges(Some(&m));
        p.specials(&[], &[]);
        Ok(p)
    })())
}

/// tokenizer.json bytes and its name (one-item list) → vocab (added tokens included), merges, specials.
///
/// # Safety
/// Each (ptr, len) pair must describe live memory from `alloc`.
#[no_mangle]
pub unsafe extern "C" fn parse_tokenizer_json(
    text_ptr: *const u8,
    text_len: usize,
    name_ptr: *const u8,
    name_len: usize,
) -> i32 {
    finish((|| {
        let name = read_string_list(bytes(name_ptr, name_len))?.concat();
        let t = read_tokenizer_json(bytes(text_ptr, text_len), &name)?;
        let mut p = Parts::default();
        p.vocab(Some(&t.vocab));
        p.merges(Some(&t.merges));
        p.specials(&t.specials, &[]);
        Ok(p)
    })())
}

/// A tiktoken rank file's bytes with the caller's special tokens (string list and u32 LE ids) and its
/// name (one-item list, empty for none) → tokens by rank (holes filled by special tokens), specials.
///
/// # Safety
/// Each (ptr, len) pair must describe live memory from `alloc`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn parse_rank_file(
    text_ptr: *const u8,
    text_len: usize,
    specials_ptr: *const u8,
    specials_len: usize,
    ids_ptr: *const u8,
    ids_len: usize,
    name_ptr: *const u8,
    name_len: usize,
) -> i32 {
    finish((|| {
        let given = read_specials(bytes(specials_ptr, specials_len), bytes(ids_ptr, ids_len))?;
        let name = read_string_list(bytes(name_ptr, name_len))?.concat();
        let f = read_rank_file(bytes(text_ptr, text_len), &given, &name)?;
        let mut p = Parts::default();
        p.ranked(&f.tokens);
        p.merges(None);
        let (names, ids): (Vec<String>, Vec<u32>) = f.specials.into_iter().unzip();
        p.specials(&names, &ids);
        Ok(p)
    })())
}

/// GPT-2's byte alphabet into the result buffer: the 256 characters bytes 0..255 are written as, in byte
/// order, as UTF-8; returns its length. The wrapper's `bytesToPrintable` reads it once.
#[no_mangle]
pub extern "C" fn byte_alphabet() -> i32 {
    let all: Vec<u8> = (0..=255u8).collect();
    let mut s = String::new();
    push_printable(&all, &mut s);
    let n = s.len() as i32;
    set_result(s.into_bytes());
    n
}

/// Which files `write_tokenizer_files` writes: a mask of these bits.
const VOCAB_JSON: u32 = 1;
const MERGES_TXT: u32 = 2;
const TOKENIZER_JSON: u32 = 4;

/// Writes the tokenizer files asked for by `which` (1 vocab.json, 2 merges.txt, 4 tokenizer.json) into
/// the result buffer as a byte list, in that order. Vocab: ids (u32 LE each) beside a byte list of their
/// tokens; merges: a byte list, left and right in turn; specials: a string list. Returns the length, -1
/// when two tokens would share a key.
///
/// # Safety
/// Each (ptr, len) pair must describe live memory from `alloc`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn write_tokenizer_files(
    ids_ptr: *const u8,
    ids_len: usize,
    tokens_ptr: *const u8,
    tokens_len: usize,
    merges_ptr: *const u8,
    merges_len: usize,
    specials_ptr: *const u8,
    specials_len: usize,
    which: u32,
) -> i32 {
    let written = (|| {
        let ids = bytes(ids_ptr, ids_len);
        let tokens = read_byte_list(bytes(tokens_ptr, tokens_len))?;
        let parts = read_byte_list(bytes(merges_ptr, merges_len))?;
        if ids.len() != 4 * tokens.len() || parts.len() % 2 != 0 {
            let what = "vocab ids or merges";
            return Err(Error::MalformedBuffer { what, offset: 0 });
        }
        let specials = read_string_list(bytes(specials_ptr, specials_len))?;
        let ids = ids
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let files = TokenizerFiles {
            vocab: ids.zip(tokens).collect(),
            merges: parts.chunks_exact(2).map(|p| (p[0], p[1])).collect(),
            specials: &specials,
        };
        let mut out = Parts::default();
        if which & VOCAB_JSON != 0 {
            out.item(files.vocab_json()?.as_bytes());
        }
        if which & MERGES_TXT != 0 {
            out.item(files.merges_txt().as_bytes());
        }
        if which & TOKENIZER_JSON != 0 {
            out.item(files.tokenizer_json()?.as_bytes());
        }
        Ok(out)
    })();
    finish(written)
}
