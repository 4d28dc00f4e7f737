//! WASM exports that read tokenizer files without building an encoder, for the wrapper's public parse
//! functions (`parseVocabJson`, `parseMergesTxt`, `loadTokenizerJson`, `parseTiktokenRanks`): what a file
//! holds goes back in the result buffer as one `Parts` block, read by ts/readers.ts. All numbers u32 LE:
//! vocab count n, n ids, n × (length, token bytes); merge count m, m × (length, left, length, right);
//! special-token count k, k × (length, UTF-8), k ids (0 where a file gives none).
//! Writing them (`tokenizer_files_open`, then chunks from `tokenizer_files_next`) and GPT-2's byte
//! alphabet (`byte_alphabet`) are here too.

use super::train::{free, insert, with};
use super::{bytes, dealloc, fail, file_names, read_specials, read_string_list, set_result};
use crate::encode::files::{push_printable, read_merges_txt, Merges};
use crate::encode::rank_file::read_rank_file;
use crate::encode::tokenizer_json::read_tokenizer_json;
use crate::encode::vocab_json::{read_vocab_json, Vocab};
use crate::encode::write_files::{Cursor, FileKind, Plan, TokenizerFiles};
use crate::encode::VocabTable;
use crate::error::{Error, Result};
use std::cell::RefCell;

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
        let [name] = file_names(bytes(name_ptr, name_len))?;
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
        let [name] = file_names(bytes(name_ptr, name_len))?;
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
        let [name] = file_names(bytes(name_ptr, name_len))?;
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
        let [name] = file_names(bytes(name_ptr, name_len))?;
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

/// An input buffer from `alloc` that an open writer owns until it is dropped.
struct Owned {
    ptr: *mut u8,
    len: usize,
}

impl Owned {
    fn bytes(&self) -> &[u8] {
        // SAFETY: (ptr, len) came from `alloc` and was filled by the caller, who gave up ownership.
        unsafe { bytes(self.ptr, self.len) }
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        // SAFETY: allocated by `alloc(len)`, freed once, here.
        unsafe { dealloc(self.ptr, self.len) }
    }
}

/// The files being written: the token bytes (one arena), where each token lies in it, and per file its
/// plan and how far it has been rendered.
struct Writer {
    arena: Owned,
    /// (id, offset, length) per vocab entry.
    vocab: Vec<[u32; 3]>,
    /// (offset, length) of the left then the right part, per merge.
    merges: Vec<[u32; 4]>,
    specials: Vec<String>,
    files: Vec<(Plan, Cursor)>,
}

/// The token view the planner and renderer read: one slice per token, no bytes copied.
fn view<'a>(
    arena: &'a Owned,
    vocab: &[[u32; 3]],
    merges: &[[u32; 4]],
    specials: &'a [String],
) -> TokenizerFiles<'a> {
    let a = arena.bytes();
    let at = |off: u32, len: u32| &a[off as usize..(off + len) as usize];
    TokenizerFiles {
        vocab: vocab.iter().map(|&[id, o, n]| (id, at(o, n))).collect(),
        merges: merges
            .iter()
            .map(|&[lo, ln, ro, rn]| (at(lo, ln), at(ro, rn)))
            .collect(),
        specials,
    }
}

thread_local! {
    static WRITERS: RefCell<Vec<Option<Writer>>> = const { RefCell::new(Vec::new()) };
}

/// u32 LE groups of `N` from a buffer whose length is a multiple of 4 N.
fn groups<const N: usize>(b: &[u8], what: &'static str) -> Result<Vec<[u32; N]>> {
    if !b.len().is_multiple_of(4 * N) {
        return Err(Error::MalformedBuffer {
            what,
            offset: b.len(),
        });
    }
    Ok(b.chunks_exact(4 * N)
        .map(|g| {
            core::array::from_fn(|i| u32::from_le_bytes([g[4 * i], g[4 * i + 1], g[4 * i + 2], g[4 * i + 3]]))
        })
        .collect())
}

/// Which files a writer writes: a mask of these bits, written in this order.
const FILE_BITS: [(u32, FileKind); 3] = [
    (1, FileKind::VocabJson),
    (2, FileKind::MergesTxt),
    (4, FileKind::TokenizerJson),
];

/// Opens a writer of the files asked for by `which` (1 vocab.json, 2 merges.txt, 4 tokenizer.json).
/// The arena (from `alloc`) holds the token bytes and is owned by the writer from here on, failure
/// included; vocab: (id, offset, length) u32 LE triples into it; merges: (offset, length) of the left
/// then the right part, u32 LE; specials: a string list. Returns a handle for `tokenizer_files_next`,
/// 0 on error (two tokens that would share a key, an entry outside the arena).
///
/// # Safety
/// Each (ptr, len) pair must describe live memory from `alloc`; the arena is not used by the caller
/// afterwards.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn tokenizer_files_open(
    arena_ptr: *mut u8,
    arena_len: usize,
    vocab_ptr: *const u8,
    vocab_len: usize,
    merges_ptr: *const u8,
    merges_len: usize,
    specials_ptr: *const u8,
    specials_len: usize,
    which: u32,
) -> u32 {
    let arena = Owned {
        ptr: arena_ptr,
        len: arena_len,
    };
    let opened = (|| {
        let vocab = groups::<3>(bytes(vocab_ptr, vocab_len), "vocab entries")?;
        let merges = groups::<4>(bytes(merges_ptr, merges_len), "merges")?;
        let inside = |o: u32, n: u32| {
            (o as usize)
                .checked_add(n as usize)
                .is_some_and(|e| e <= arena_len)
        };
        let outside = vocab.iter().any(|&[_, o, n]| !inside(o, n))
            || merges
                .iter()
                .any(|&[lo, ln, ro, rn]| !inside(lo, ln) || !inside(ro, rn));
        if outside {
            let what = "token offsets";
            return Err(Error::MalformedBuffer { what, offset: 0 });
        }
        let specials = read_string_list(bytes(specials_ptr, specials_len))?;
        let files = {
            let v = view(&arena, &vocab, &merges, &specials);
            FILE_BITS
                .iter()
                .filter(|(bit, _)| which & bit != 0)
                .map(|&(_, kind)| Ok((v.plan(kind)?, Cursor::default())))
                .collect::<Result<Vec<_>>>()?
        };
        Ok(Writer {
            arena,
            vocab,
            merges,
            specials,
            files,
        })
    })();
    match opened {
        Ok(w) => WRITERS.with(|s| insert(s, w)),
        Err(e) => {
            fail(&e);
            0
        }
    }
}

/// The next chunk of file `index` (of those asked for, in order) into the result buffer: about `max`
/// bytes, fewer at the file's end; returns its length, 0 once the file is done, -1 on a bad handle.
#[no_mangle]
pub extern "C" fn tokenizer_files_next(handle: u32, index: u32, max: u32) -> i32 {
    with(&WRITERS, "file writer", handle, |w| {
        let Writer {
            arena,
            vocab,
            merges,
            specials,
            files,
        } = w;
        let Some((plan, cursor)) = files.get_mut(index as usize) else {
            return Ok(0i64);
        };
        let mut out = Vec::with_capacity(max as usize + 16);
        view(arena, vocab, merges, specials).render(plan, cursor, max.max(1) as usize, &mut out);
        let n = out.len() as i64;
        set_result(out);
        Ok(n)
    }) as i32
}

#[no_mangle]
pub extern "C" fn tokenizer_files_close(handle: u32) -> i32 {
    free(&WRITERS, "file writer", handle)
}
