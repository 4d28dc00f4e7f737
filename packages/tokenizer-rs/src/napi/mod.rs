//! The Node-API boundary (feature `napi`), beside `wasm`: the same operations at the same level, as napi-rs
//! classes and functions instead of handles and a shared result buffer. Thin conversions only; everything
//! both bindings need lives in the core. Input bytes arrive as `Uint8Array` (a Node `Buffer` is one), ids as
//! `Uint32Array`; a failure throws an `Error` whose message starts with the core's code name
//! (`ErrorCode::name`, e.g. `invalid_utf8: ...`), so the TS loader can map it to `TokenizerError.code`.

pub mod encode;
pub mod pool;
pub mod train;

use crate::cuts::find_safe_cut;
use crate::error::Error;
use crate::pretokenize::{pretokenize_with, Pattern};
use napi::bindgen_prelude::{Uint32Array, Uint8Array};
use napi::{Result, Status};
use napi_derive::napi;

pub(crate) fn js_error(e: Error) -> napi::Error {
    napi::Error::new(Status::GenericFailure, format!("{}: {e}", e.code().name()))
}

/// A file the addon cannot read as asked. The core has no such error (the WASM build never opens files),
/// so these carry TS's `input` code, which the wrapper already gives unreadable training input.
fn input_error(message: String) -> napi::Error {
    napi::Error::new(Status::GenericFailure, format!("input: {message}"))
}

/// A misuse of the addon's objects that only this binding can commit (the core's errors cover the rest).
pub(crate) fn internal_error(message: String) -> napi::Error {
    napi::Error::new(Status::GenericFailure, format!("internal: {message}"))
}

/// Bytes [start, end) of the file at `path`, read into memory. Read, not memory-mapped: a mapped file that
/// shrinks while its pages are read kills the process (SIGBUS), where a read ends short and becomes an error
/// here; the copy costs ~2% of the CPU time that encoding those bytes takes (bench/RESULTS.md). A range that
/// is not one, or that ends past the file's end (the file changed since the caller planned its ranges, or
/// while it was read), is an error naming the path, and so is a path that is not a regular file: checked
/// before the open, since opening a FIFO nobody writes would hold a pool thread forever.
pub(crate) fn read_range(path: &str, start: i64, end: i64) -> Result<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    if start < 0 || end < start {
        return Err(internal_error(format!(
            "{path}: [{start}, {end}) is not a byte range; give 0 <= start <= end"
        )));
    }
    let unreadable = |e: std::io::Error| input_error(format!("cannot read {path}: {}", io_words(&e)));
    let changed = |size: u64| {
        input_error(format!(
            "{path}: byte range [{start}, {end}) ends past the file's end ({size} bytes); was the file changed \
             after its ranges were planned? Plan them again"
        ))
    };
    let kind = std::fs::metadata(path).map_err(unreadable)?;
    if kind.is_dir() {
        return Err(input_error(format!(
            "cannot read {path}: is a directory; give a file"
        )));
    }
    if !kind.is_file() {
        return Err(input_error(format!(
            "cannot read {path}: not a regular file (a pipe, device or socket); save the text to a file \
             and give that path"
        )));
    }
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let size = file.metadata().map_err(unreadable)?.len();
    if end as u64 > size {
        return Err(changed(size));
    }
    let len = (end - start) as usize;
    let mut bytes = Vec::with_capacity(len);
    file.seek(SeekFrom::Start(start as u64)).map_err(unreadable)?;
    file.take(len as u64)
        .read_to_end(&mut bytes)
        .map_err(unreadable)?;
    if bytes.len() < len {
        return Err(input_error(format!(
            "{path}: the file shrank while byte range [{start}, {end}) was read (it ended at byte {}); is \
             another program writing it? Encode it once it is complete",
            start as u64 + bytes.len() as u64
        )));
    }
    Ok(bytes)
}

/// The sha256 of the Rust sources this addon was built from (scripts/source-hash.sh, passed in by
/// scripts/build-native.sh), or null for a build made without it. The WASM build stamps the same hash into
/// dist/.source-hash, so the loader can refuse an addon that does not match the WASM beside it.
#[napi]
pub fn core_source_hash() -> Option<String> {
    option_env!("CS336_CORE_SOURCE_HASH").map(String::from)
}

/// What went wrong with a file, in the words ts/fs-error.ts uses for the same cases.
fn io_words(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::NotFound => "file not found".into(),
        ErrorKind::IsADirectory => "is a directory; give a file".into(),
        ErrorKind::NotADirectory => "a folder on the path is a file".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Each pre-token's end offset under `pattern` (0 GPT-2, 1 cl100k_base, 2 o200k_base), as the WASM
/// `pretokenize_ends_with` gives them.
#[napi]
pub fn pretokenize_ends(text: Uint8Array, pattern: u32) -> Result<Uint32Array> {
    let pattern = Pattern::from_code(pattern).ok_or_else(|| {
        js_error(Error::MalformedBuffer {
            what: "pattern code",
            offset: pattern as usize,
        })
    })?;
    let text = crate::error::utf8(&text, 0).map_err(js_error)?;
    let mut end = 0u32;
    let ends = pretokenize_with(text, pattern)
        .map(|t| {
            end += t.len() as u32;
            end
        })
        .collect();
    Ok(Uint32Array::new(ends))
}

/// The first safe cut p with `from <= p < to` (src/cuts.rs), or with `down` the last; null when none.
#[napi]
pub fn safe_cut(
    bytes: Uint8Array,
    from: u32,
    to: u32,
    specials: Vec<Uint8Array>,
    cut_at: Vec<Uint8Array>,
    down: bool,
) -> Option<u32> {
    let specials: Vec<&[u8]> = specials.iter().map(|s| &s[..]).collect();
    let cut_at: Vec<&[u8]> = cut_at.iter().map(|s| &s[..]).collect();
    find_safe_cut(&bytes, from as usize, to as usize, &specials, &cut_at, down).map(|p| p as u32)
}
