//! WASM exports for encoding and decoding, following `wasm/mod.rs`'s conventions. Encoders live in a slot
//! table and JS holds a u32 handle (0 means failure); `encoder_free` releases one. Text comes in once per
//! call as UTF-8 bytes; ids go out through one u32 buffer (`ids_ptr`/`ids_len`), valid until the next call.
//! A policy is one byte per construction special token: bit 0 allowed (split off), bit 1 disallowed.

use super::{bytes, fail, file_names, read_byte_list, read_specials, read_string_list, set_result};
use crate::encode::Encoder;
use crate::encode::SpecialPolicy;
use crate::error::{Error, Result};
use crate::pretokenize::{pretokenize_with, Pattern};
use std::cell::RefCell;

thread_local! {
    static ENCODERS: RefCell<Vec<Option<Box<Encoder>>>> = const { RefCell::new(Vec::new()) };
    static IDS: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
    static ENDS: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

/// Past this many ids, an output buffer four times larger than what it holds is shrunk, so one huge call
/// does not pin its memory for the life of the instance.
const KEEP_IDS: usize = 1 << 20;

fn register(e: Result<Encoder>) -> u32 {
    match e {
        Err(e) => {
            fail(&e);
            0
        }
        Ok(e) => ENCODERS.with(|t| {
            let mut t = t.borrow_mut();
            let slot = t.iter().position(Option::is_none).unwrap_or_else(|| {
                t.push(None);
                t.len() - 1
            });
            t[slot] = Some(Box::new(e));
            slot as u32 + 1
        }),
    }
}

fn with_encoder<R>(handle: u32, f: impl FnOnce(&mut Encoder) -> Result<R>) -> Result<R> {
    ENCODERS.with(|t| {
        let mut t = t.borrow_mut();
        match t
            .get_mut((handle as usize).wrapping_sub(1))
            .and_then(Option::as_mut)
        {
            Some(e) => f(e),
            None => Err(Error::BadHandle {
                what: "encoder",
                handle,
            }),
        }
    })
}

fn status(r: Result<i32>) -> i32 {
    r.unwrap_or_else(|e| fail(&e))
}

/// # Safety
/// Each (ptr, len) pair must describe live memory from `alloc`.
#[no_mangle]
pub unsafe extern "C" fn encoder_from_merges(
    vocab_ptr: *const u8,
    vocab_len: usize,
    merges_ptr: *const u8,
    merges_len: usize,
    specials_ptr: *const u8,
    specials_len: usize,
) -> u32 {
    let build = || -> Result<Encoder> {
        let vocab = read_byte_list(bytes(vocab_ptr, vocab_len))?;
        let flat = read_byte_list(bytes(merges_ptr, merges_len))?;
        if flat.len() % 2 != 0 {
            return Err(Error::MalformedBuffer {
                what: "merges",
                offset: merges_len,
            });
        }
        let merges: Vec<(&[u8], &[u8])> = flat.chunks_exact(2).map(|p| (p[0], p[1])).collect();
        let specials = read_string_list(bytes(specials_ptr, specials_len))?;
        Encoder::from_merges(&vocab, &merges, &specials)
    };
    register(build())
}

/// From tiktoken ranks: tokens by rank as a byte list, special tokens (string list) and their ids.
///
/// # Safety
/// Each (ptr, len) pair must describe live memory from `alloc`.
#[no_mangle]
pub unsafe extern "C" fn encoder_from_ranks(
    tokens_ptr: *const u8,
    tokens_len: usize,
    specials_ptr: *const u8,
    specials_len: usize,
    ids_ptr: *const u8,
    ids_len: usize,
) -> u32 {
    let build = || -> Result<Encoder> {
        let tokens = read_byte_list(bytes(tokens_ptr, tokens_len))?;
        let specials = read_specials(bytes(specials_ptr, specials_len), bytes(ids_ptr, ids_len))?;
        Encoder::from_ranks(&tokens, &specials)
    };
    register(build())
}

/// From a tiktoken rank file's bytes, `.tiktoken` lines or the npm package's encoder JSON (see
/// src/encode/rank_file.rs), with the caller's special tokens and ids and the file's name (one-item list,
/// empty for none) for messages.
///
/// # Safety
/// Each (ptr, len) pair must describe live memory from `alloc`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn encoder_from_rank_file(
    text_ptr: *const u8,
    text_len: usize,
    specials_ptr: *const u8,
    specials_len: usize,
    ids_ptr: *const u8,
    ids_len: usize,
    name_ptr: *const u8,
    name_len: usize,
) -> u32 {
    let build = || -> Result<Encoder> {
        let specials = read_specials(bytes(specials_ptr, specials_len), bytes(ids_ptr, ids_len))?;
        let [file] = file_names(bytes(name_ptr, name_len))?;
        Encoder::from_rank_file(bytes(text_ptr, text_len), &specials, &file)
    };
    register(build())
}

/// From GPT-2 `vocab.json` + `merges.txt` file bytes (src/encode/files.rs); specials and the two file
/// names (for messages) as string lists.
///
/// # Safety
/// Each (ptr, len) pair must describe live memory from `alloc`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn encoder_from_gpt2_files(
    vocab_ptr: *const u8,
    vocab_len: usize,
    merges_ptr: *const u8,
    merges_len: usize,
    specials_ptr: *const u8,
    specials_len: usize,
    names_ptr: *const u8,
    names_len: usize,
) -> u32 {
    let build = || -> Result<Encoder> {
        let specials = read_string_list(bytes(specials_ptr, specials_len))?;
        let [vocab_file, merges_file] = file_names(bytes(names_ptr, names_len))?;
        let (vocab, merges) = (bytes(vocab_ptr, vocab_len), bytes(merges_ptr, merges_len));
        Encoder::from_gpt2_files(vocab, merges, &specials, &vocab_file, &merges_file)
    };
    register(build())
}

/// From a Hugging Face `tokenizer.json`'s bytes; `asked` (a string list) are special tokens that must be
/// among its added tokens, `name` (a one-item list) the file's name for messages.
///
/// # Safety
/// Each (ptr, len) pair must describe live memory from `alloc`.
#[no_mangle]
pub unsafe extern "C" fn encoder_from_tokenizer_json(
    text_ptr: *const u8,
    text_len: usize,
    asked_ptr: *const u8,
    asked_len: usize,
    name_ptr: *const u8,
    name_len: usize,
) -> u32 {
    let build = || -> Result<Encoder> {
        let asked = read_string_list(bytes(asked_ptr, asked_len))?;
        let [file] = file_names(bytes(name_ptr, name_len))?;
        Encoder::from_tokenizer_json(bytes(text_ptr, text_len), &asked, &file)
    };
    register(build())
}

#[no_mangle]
pub extern "C" fn encoder_free(handle: u32) {
    ENCODERS.with(|t| {
        if let Some(slot) = t.borrow_mut().get_mut((handle as usize).wrapping_sub(1)) {
            *slot = None;
        }
    });
}

/// Number of live encoders (for the memory tests).
#[no_mangle]
pub extern "C" fn encoder_live_count() -> u32 {
    ENCODERS.with(|t| t.borrow().iter().filter(|s| s.is_some()).count() as u32)
}

#[no_mangle]
pub extern "C" fn encoder_vocab_size(handle: u32) -> i32 {
    status(with_encoder(handle, |e| Ok(e.vocab_size() as i32)))
}

/// Special tokens in construction order, as a string list in the result buffer; returns their count.
#[no_mangle]
pub extern "C" fn encoder_special_tokens(handle: u32) -> i32 {
    status(with_encoder(handle, |e| {
        let mut out = Vec::new();
        for t in e.special_tokens() {
            out.extend_from_slice(&(t.len() as u32).to_le_bytes());
            out.extend_from_slice(t.as_bytes());
        }
        set_result(out);
        Ok(e.special_tokens().len() as i32)
    }))
}

/// Special-token ids in construction order, into the ids buffer.
#[no_mangle]
pub extern "C" fn encoder_special_ids(handle: u32) -> i32 {
    status(with_encoder(handle, |e| {
        let ids = e.special_ids().to_vec();
        let n = ids.len() as i32;
        IDS.with(|o| *o.borrow_mut() = ids);
        Ok(n)
    }))
}

fn policy(e: &Encoder, b: &[u8]) -> Result<SpecialPolicy> {
    SpecialPolicy::from_flags(e.special_ids().len(), b)
}

fn take_ids_buffer() -> Vec<u32> {
    let mut v = IDS.with(|o| std::mem::take(&mut *o.borrow_mut()));
    v.clear();
    v
}

fn store_ids(mut v: Vec<u32>) {
    if v.capacity() > KEEP_IDS && v.capacity() > 4 * v.len() {
        v.shrink_to(v.len().max(KEEP_IDS));
    }
    IDS.with(|o| *o.borrow_mut() = v);
}

/// Encodes `text` (all of it when `last` is 1, else its stable prefix); returns the bytes consumed, or -1.
/// `base` is the text's offset in the caller's stream (for error messages).
///
/// # Safety
/// Each (ptr, len) pair must describe live memory from `alloc`.
#[no_mangle]
pub unsafe extern "C" fn encoder_encode(
    handle: u32,
    text_ptr: *const u8,
    text_len: usize,
    policy_ptr: *const u8,
    policy_len: usize,
    last: u32,
    base: f64,
) -> i32 {
    let text = bytes(text_ptr, text_len);
    let pol = bytes(policy_ptr, policy_len);
    status(with_encoder(handle, |e| {
        let p = policy(e, pol)?;
        let mut out = take_ids_buffer();
        let r = e.encode_prefix(text, &p, last != 0, base as u64, &mut out);
        store_ids(out);
        r.map(|n| n as i32)
    }))
}

/// Encodes many texts in one call: `ends[i]` is the byte end of text i in `text`. Ids of all texts go to
/// the ids buffer and each text's end index in it to the ends buffer (`ends_ptr`); returns the count.
///
/// # Safety
/// Each (ptr, len) pair must describe live memory from `alloc`; `ends_ptr` holds `count` u32s.
#[no_mangle]
pub unsafe extern "C" fn encoder_encode_batch(
    handle: u32,
    text_ptr: *const u8,
    text_len: usize,
    ends_ptr: *const u32,
    count: usize,
    policy_ptr: *const u8,
    policy_len: usize,
) -> i32 {
    let text = bytes(text_ptr, text_len);
    let ends: &[u32] = if count == 0 {
        &[]
    } else {
        core::slice::from_raw_parts(ends_ptr, count)
    };
    let pol = bytes(policy_ptr, policy_len);
    status(with_encoder(handle, |e| {
        let p = policy(e, pol)?;
        let mut out = take_ids_buffer();
        let mut id_ends = Vec::with_capacity(count);
        let result = e.encode_batch(text, ends, &p, &mut out, &mut id_ends);
        store_ids(out);
        ENDS.with(|o| *o.borrow_mut() = id_ends);
        result.map(|()| count as i32)
    }))
}

/// Decodes ids to bytes in the result buffer (`result_ptr`/`result_len`); returns its length or -1.
///
/// # Safety
/// `ids_ptr` must hold `count` u32s from `alloc`.
#[no_mangle]
pub unsafe extern "C" fn encoder_decode(handle: u32, ids_ptr: *const u32, count: usize) -> i32 {
    let ids: &[u32] = if count == 0 {
        &[]
    } else {
        core::slice::from_raw_parts(ids_ptr, count)
    };
    status(with_encoder(handle, |e| {
        let mut out = Vec::new();
        e.decode_into(ids, &mut out)?;
        let n = out.len() as i32;
        set_result(out);
        Ok(n)
    }))
}

/// The bytes of one token into the result buffer (for vocab export and the incremental decoder's tests).
#[no_mangle]
pub extern "C" fn encoder_token_bytes(handle: u32, id: u32) -> i32 {
    status(with_encoder(handle, |e| {
        let b = e.token_bytes(id).ok_or(Error::UnknownTokenId {
            id,
            vocab_size: e.vocab_size() as u32,
        })?;
        let n = b.len() as i32;
        set_result(b.to_vec());
        Ok(n)
    }))
}

#[no_mangle]
pub extern "C" fn ids_ptr() -> *const u32 {
    IDS.with(|o| o.borrow().as_ptr())
}

#[no_mangle]
pub extern "C" fn ids_len() -> usize {
    IDS.with(|o| o.borrow().len())
}

#[no_mangle]
pub extern "C" fn ends_ptr() -> *const u32 {
    ENDS.with(|o| o.borrow().as_ptr())
}

/// `pretokenize_ends` under pattern `pattern` (0 GPT-2, 1 cl100k_base, 2 o200k_base): each pre-token's end
/// offset as u32 LE in the result buffer; returns their number, or -1 (invalid UTF-8 or pattern).
///
/// # Safety
/// (ptr, len) must be readable memory allocated by `alloc`.
#[no_mangle]
pub unsafe extern "C" fn pretokenize_ends_with(ptr: *const u8, len: usize, pattern: u32) -> i32 {
    let Some(pattern) = Pattern::from_code(pattern) else {
        return fail(&Error::MalformedBuffer {
            what: "pattern code",
            offset: pattern as usize,
        });
    };
    let text = match super::utf8(bytes(ptr, len), 0) {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let mut out = Vec::new();
    let mut end = 0u32;
    let mut n = 0i32;
    for tok in pretokenize_with(text, pattern) {
        end += tok.len() as u32;
        out.extend_from_slice(&end.to_le_bytes());
        n += 1;
    }
    set_result(out);
    n
}

/// cl100k/o200k class of a code point (`unicode_tables::gpt4_class`), for the table test.
#[no_mangle]
pub extern "C" fn unicode_gpt4_class(cp: u32) -> u32 {
    crate::unicode_tables::gpt4_class(cp) as u32
}
