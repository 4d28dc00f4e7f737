//! The WASM boundary: plain `extern "C"` exports, no bindgen. Conventions shared by every export:
//! - JS allocates input with `alloc(len)` / frees with `dealloc(ptr, len)` and passes (ptr, len) pairs.
//! - A call that fails returns a negative status (or handle 0) and leaves its message for
//!   `last_error_ptr`/`last_error_len` and its kind for `last_error_code` (`ErrorCode`); no panic reaches
//!   JS (input is validated, never unwrapped).
//! - Byte results go to one result buffer read through `result_ptr`/`result_len`, valid until the next call.
//! - String lists cross as `u32 LE length + UTF-8 bytes` repeated (no JSON, no separators to escape).
//!
//! Only this module and its children use `unsafe`, and only to turn (ptr, len) pairs into slices.

pub mod encode;
pub mod files;
pub mod train;

use crate::cuts::find_safe_cut;
pub(crate) use crate::error::utf8;
use crate::error::{Error, ErrorCode, Result};
use crate::pretokenize::pretokenize;
use crate::unicode_tables::{is_letter, is_number, is_whitespace};
use std::alloc::{alloc as raw_alloc, dealloc as raw_dealloc, Layout};
use std::cell::{Cell, RefCell};

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
    static LAST_CODE: Cell<u32> = const { Cell::new(0) };
    static RESULT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

const ALIGN: usize = 8;

#[no_mangle]
pub extern "C" fn alloc(len: usize) -> *mut u8 {
    match Layout::from_size_align(len.max(1), ALIGN) {
        // SAFETY: the layout has non-zero size.
        Ok(layout) => unsafe { raw_alloc(layout) },
        Err(_) => core::ptr::null_mut(),
    }
}

/// # Safety
/// `ptr` must come from `alloc(len)` with the same `len`, and not be freed twice.
#[no_mangle]
pub unsafe extern "C" fn dealloc(ptr: *mut u8, len: usize) {
    if let Ok(layout) = Layout::from_size_align(len.max(1), ALIGN) {
        raw_dealloc(ptr, layout);
    }
}

#[no_mangle]
pub extern "C" fn last_error_ptr() -> *const u8 {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

#[no_mangle]
pub extern "C" fn last_error_len() -> usize {
    LAST_ERROR.with(|e| e.borrow().len())
}

#[no_mangle]
pub extern "C" fn last_error_code() -> u32 {
    LAST_CODE.with(Cell::get)
}

/// The name of error code `code` (`ErrorCode::name`) into the result buffer; its length, or -1 for a code
/// that does not exist. Lets the TS wrapper's test check its table of names against this one.
#[no_mangle]
pub extern "C" fn error_code_name(code: u32) -> i32 {
    match ErrorCode::ALL.iter().find(|c| **c as u32 == code) {
        Some(c) => {
            set_result(c.name().as_bytes().to_vec());
            c.name().len() as i32
        }
        None => -1,
    }
}

#[no_mangle]
pub extern "C" fn result_ptr() -> *const u8 {
    RESULT.with(|r| r.borrow().as_ptr())
}

#[no_mangle]
pub extern "C" fn result_len() -> usize {
    RESULT.with(|r| r.borrow().len())
}

/// Records `e` for JS and returns the status -1.
pub fn fail(e: &Error) -> i32 {
    LAST_ERROR.with(|slot| *slot.borrow_mut() = e.to_string());
    LAST_CODE.with(|c| c.set(e.code() as u32));
    -1
}

pub fn set_result(bytes: Vec<u8>) {
    RESULT.with(|r| *r.borrow_mut() = bytes);
}

/// # Safety
/// (ptr, len) must describe initialized memory that outlives the returned slice (JS keeps it alive for
/// the call); len 0 yields an empty slice whatever ptr is.
pub unsafe fn bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        &[]
    } else {
        core::slice::from_raw_parts(ptr, len)
    }
}

/// A `u32 LE length + bytes` list whose items are raw bytes (vocab tokens need not be UTF-8).
pub fn read_byte_list(b: &[u8]) -> Result<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let bad = Error::MalformedBuffer {
            what: "byte list",
            offset: i,
        };
        let head = b.get(i..i + 4).ok_or(bad.clone())?;
        let n = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        out.push(b.get(i + 4..i + 4 + n).ok_or(bad)?);
        i += 4 + n;
    }
    Ok(out)
}

/// Decodes a `u32 LE length + bytes` list of strings.
pub fn read_string_list(b: &[u8]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let head = b.get(i..i + 4).ok_or(Error::MalformedBuffer {
            what: "string list",
            offset: i,
        })?;
        let n = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let body = b.get(i + 4..i + 4 + n).ok_or(Error::MalformedBuffer {
            what: "string list",
            offset: i,
        })?;
        out.push(utf8(body, (i + 4) as u64)?.to_owned());
        i += 4 + n;
    }
    Ok(out)
}

/// The names of the files a loader reads, for its messages: a string list of exactly N names.
pub fn file_names<const N: usize>(b: &[u8]) -> Result<[String; N]> {
    let names = read_string_list(b)?;
    let n = names.len();
    names.try_into().map_err(|_| Error::MalformedBuffer {
        what: "file names",
        offset: n,
    })
}

/// Special tokens as a string list beside their ids (u32 LE each), paired up.
pub fn read_specials(names: &[u8], ids: &[u8]) -> Result<Vec<(String, u32)>> {
    let names = read_string_list(names)?;
    if ids.len() != 4 * names.len() {
        return Err(Error::MalformedBuffer {
            what: "special-token ids",
            offset: ids.len(),
        });
    }
    let ids = ids
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    Ok(names.into_iter().zip(ids).collect())
}

/// Bit mask of the Unicode classes of code point `cp` as the scanner sees them: 1 letter, 2 number,
/// 4 whitespace; 8 when `cp` is not a Unicode scalar value. Exists so JS can check the tables.
#[no_mangle]
pub extern "C" fn unicode_class_mask(cp: u32) -> u32 {
    match char::from_u32(cp) {
        None => 8,
        Some(c) => is_letter(c) as u32 | (is_number(c) as u32) << 1 | (is_whitespace(c) as u32) << 2,
    }
}

/// Pre-tokenizes UTF-8 text; the result buffer holds each pre-token's end offset as u32 LE.
/// Returns the number of pre-tokens, or -1 on invalid UTF-8.
///
/// # Safety
/// (ptr, len) must be readable memory allocated by `alloc`.
#[no_mangle]
pub unsafe extern "C" fn pretokenize_ends(ptr: *const u8, len: usize) -> i32 {
    let text = match utf8(bytes(ptr, len), 0) {
        Ok(t) => t,
        Err(e) => return fail(&e),
    };
    let mut out = Vec::new();
    let mut end = 0u32;
    let mut n = 0i32;
    for tok in pretokenize(text) {
        end += tok.len() as u32;
        out.extend_from_slice(&end.to_le_bytes());
        n += 1;
    }
    set_result(out);
    n
}

/// The first safe cut p with `from <= p < to` in the bytes at (ptr, len) (src/cuts.rs), or with `down` 1
/// the last; 0 when there is none (0 is never a cut), -1 on a malformed list. `specials` (no cut passes
/// through one) and `cut_at` (a cut may sit at their start) are byte lists.
///
/// # Safety
/// Each (ptr, len) pair must describe live memory from `alloc`.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn safe_cut(
    ptr: *const u8,
    len: usize,
    from: usize,
    to: usize,
    specials_ptr: *const u8,
    specials_len: usize,
    cut_at_ptr: *const u8,
    cut_at_len: usize,
    down: u32,
) -> i32 {
    let found = read_byte_list(bytes(specials_ptr, specials_len)).and_then(|specials| {
        let cut_at = read_byte_list(bytes(cut_at_ptr, cut_at_len))?;
        Ok(find_safe_cut(
            bytes(ptr, len),
            from,
            to,
            &specials,
            &cut_at,
            down != 0,
        ))
    });
    match found {
        Ok(p) => p.unwrap_or(0) as i32,
        Err(e) => fail(&e),
    }
}
