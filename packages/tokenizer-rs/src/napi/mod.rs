//! The Node-API boundary (feature `napi`), beside `wasm`: the same operations at the same level, as napi-rs
//! classes and functions instead of handles and a shared result buffer. Thin conversions only; everything
//! both bindings need lives in the core. Input bytes arrive as `Uint8Array` (a Node `Buffer` is one), ids as
//! `Uint32Array`; a failure throws an `Error` whose message starts with the core's code name
//! (`ErrorCode::name`, e.g. `invalid_utf8: ...`), so the TS loader can map it to `TokenizerError.code`.

pub mod encode;
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
