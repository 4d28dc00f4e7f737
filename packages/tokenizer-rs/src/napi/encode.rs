//! Node-API encoder, mirroring `wasm/encode.rs`: built from the same file bytes or token lists, encoding
//! under a per-call special-token policy (one flag byte per construction special token: bit 0 allowed,
//! bit 1 disallowed; empty for CS336's all-special), decoding to bytes. A core encoder keeps per-call state
//! (piece cache, scratch, the last policy's matcher), so each call works on a copy of its own from a pool:
//! file ranges encode on the addon's threads (pool.rs) in parallel without sharing one, and copies stay
//! warm across calls.

use super::{js_error, pool, read_range};
use crate::encode::SpecialPolicy;
use crate::error::Error;
use napi::bindgen_prelude::{PromiseRaw, Uint32Array, Uint8Array};
use napi::{Env, Result};
use napi_derive::napi;
use std::sync::{Arc, Mutex, PoisonError};

fn pairs(specials: Vec<String>, ids: Uint32Array) -> Result<Vec<(String, u32)>> {
    if specials.len() != ids.len() {
        return Err(js_error(Error::MalformedBuffer {
            what: "special-token ids",
            offset: ids.len() * 4,
        }));
    }
    Ok(specials.into_iter().zip(ids.iter().copied()).collect())
}

#[napi(object)]
pub struct EncodedPrefix {
    pub ids: Uint32Array,
    pub consumed: f64,
}

#[napi(object)]
pub struct EncodedBatch {
    pub ids: Uint32Array,
    pub ends: Uint32Array,
}

/// One tokenizer's encoders: the one built, which never encodes (it is what the getters read and what
/// new copies clone), and the idle working copies. At most one copy per call in flight exists, and calls in
/// flight are bounded by the addon's pool threads plus the JS thread, so the pool needs no cap.
struct Shared {
    built: crate::encode::Encoder,
    idle: Mutex<Vec<crate::encode::Encoder>>,
}

impl Shared {
    fn policy(&self, flags: &[u8]) -> Result<SpecialPolicy> {
        SpecialPolicy::from_flags(self.built.special_ids().len(), flags).map_err(js_error)
    }

    /// Runs `f` on a working copy no other call is using, then returns the copy to the pool.
    fn with_copy<R>(&self, f: impl FnOnce(&mut crate::encode::Encoder) -> R) -> R {
        let idle = || self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        let taken = idle().pop();
        let mut copy = taken.unwrap_or_else(|| self.built.clone());
        let r = f(&mut copy);
        idle().push(copy);
        r
    }
}

#[napi]
pub struct Encoder {
    shared: Arc<Shared>,
}

fn wrap(e: crate::error::Result<crate::encode::Encoder>) -> Result<Encoder> {
    e.map(|built| Encoder {
        shared: Arc::new(Shared {
            built,
            idle: Mutex::new(Vec::new()),
        }),
    })
    .map_err(js_error)
}

#[napi]
impl Encoder {
    /// From a vocab (token bytes by id) and merges as (left, right) token bytes, plus special tokens.
    #[napi(factory)]
    pub fn from_merges(
        vocab: Vec<Uint8Array>,
        merges: Vec<Uint8Array>,
        specials: Vec<String>,
    ) -> Result<Encoder> {
        if !merges.len().is_multiple_of(2) {
            return Err(js_error(Error::MalformedBuffer {
                what: "merges",
                offset: merges.len(),
            }));
        }
        let vocab: Vec<&[u8]> = vocab.iter().map(|t| &t[..]).collect();
        let merges: Vec<(&[u8], &[u8])> = merges.chunks_exact(2).map(|p| (&p[0][..], &p[1][..])).collect();
        wrap(crate::encode::Encoder::from_merges(&vocab, &merges, &specials))
    }

    /// From tiktoken ranks (token bytes by rank) and special tokens with their ids.
    #[napi(factory)]
    pub fn from_ranks(tokens: Vec<Uint8Array>, specials: Vec<String>, ids: Uint32Array) -> Result<Encoder> {
        let tokens: Vec<&[u8]> = tokens.iter().map(|t| &t[..]).collect();
        wrap(crate::encode::Encoder::from_ranks(
            &tokens,
            &pairs(specials, ids)?,
        ))
    }

    /// From a tiktoken rank file's bytes (`.tiktoken` lines or the npm package's encoder JSON).
    #[napi(factory)]
    pub fn from_rank_file(
        text: Uint8Array,
        specials: Vec<String>,
        ids: Uint32Array,
        name: String,
    ) -> Result<Encoder> {
        wrap(crate::encode::Encoder::from_rank_file(
            &text,
            &pairs(specials, ids)?,
            &name,
        ))
    }

    /// From GPT-2 `vocab.json` and `merges.txt` bytes; the names are for messages.
    #[napi(factory)]
    pub fn from_gpt2_files(
        vocab: Uint8Array,
        merges: Uint8Array,
        specials: Vec<String>,
        vocab_name: String,
        merges_name: String,
    ) -> Result<Encoder> {
        wrap(crate::encode::Encoder::from_gpt2_files(
            &vocab,
            &merges,
            &specials,
            &vocab_name,
            &merges_name,
        ))
    }

    /// From a Hugging Face `tokenizer.json`; `asked` must be among its added tokens.
    #[napi(factory)]
    pub fn from_tokenizer_json(text: Uint8Array, asked: Vec<String>, name: String) -> Result<Encoder> {
        wrap(crate::encode::Encoder::from_tokenizer_json(&text, &asked, &name))
    }

    #[napi(getter)]
    pub fn vocab_size(&self) -> u32 {
        self.shared.built.vocab_size() as u32
    }

    #[napi(getter)]
    pub fn special_tokens(&self) -> Vec<String> {
        self.shared.built.special_tokens().to_vec()
    }

    #[napi(getter)]
    pub fn special_ids(&self) -> Uint32Array {
        Uint32Array::new(self.shared.built.special_ids().to_vec())
    }

    /// The ids of all of `text` (UTF-8 bytes) under `policy`.
    #[napi]
    pub fn encode(&self, text: Uint8Array, policy: Option<Uint8Array>) -> Result<Uint32Array> {
        let policy = self.shared.policy(policy.as_deref().unwrap_or(&[]))?;
        let mut out = Vec::new();
        self.shared
            .with_copy(|e| e.encode_prefix(&text, &policy, true, 0, &mut out))
            .map_err(js_error)?;
        Ok(Uint32Array::new(out))
    }

    /// WASM's `encoder_encode`: the ids of `text`'s stable prefix (all of it when `last`) and how many of
    /// its bytes that prefix holds; `base` is `text[0]`'s absolute offset, for error messages.
    #[napi]
    pub fn encode_prefix(
        &self,
        text: Uint8Array,
        policy: Uint8Array,
        last: bool,
        base: f64,
    ) -> Result<EncodedPrefix> {
        let policy = self.shared.policy(&policy)?;
        let mut out = Vec::new();
        let consumed = self
            .shared
            .with_copy(|e| e.encode_prefix(&text, &policy, last, base as u64, &mut out))
            .map_err(js_error)?;
        Ok(EncodedPrefix {
            ids: Uint32Array::new(out),
            consumed: consumed as f64,
        })
    }

    /// WASM's `encoder_encode_batch`: texts concatenated in `text`, `ends[i]` the byte end of text i; all
    /// ids concatenated, with each text's end index among them.
    #[napi]
    pub fn encode_batch(
        &self,
        text: Uint8Array,
        ends: Uint32Array,
        policy: Uint8Array,
    ) -> Result<EncodedBatch> {
        let policy = self.shared.policy(&policy)?;
        let (mut out, mut id_ends) = (Vec::new(), Vec::with_capacity(ends.len()));
        self.shared
            .with_copy(|e| e.encode_batch(&text, &ends, &policy, &mut out, &mut id_ends))
            .map_err(js_error)?;
        Ok(EncodedBatch {
            ids: Uint32Array::new(out),
            ends: Uint32Array::new(id_ends),
        })
    }

    /// Bytes [start, end) of the file at `path` (a range the caller cut at a safe cut: ts/encode-ranges.ts),
    /// all of it, on one of the addon's threads (the range read into memory first); calls on one encoder run in parallel.
    /// Every error, invalid UTF-8 at an absolute offset included, names the path.
    #[napi(ts_return_type = "Promise<Uint32Array>")]
    pub fn encode_file_range<'env>(
        &self,
        env: &'env Env,
        path: String,
        start: i64,
        end: i64,
        policy: Uint8Array,
    ) -> Result<PromiseRaw<'env, Uint32Array>> {
        let shared = Arc::clone(&self.shared);
        let policy = policy.to_vec();
        pool::spawn(
            env,
            move || {
                let policy = shared.policy(&policy)?;
                let text = read_range(&path, start, end)?;
                // English runs 3.4-4 bytes per id: a third of the bytes holds the ids without a regrowth,
                // which copied the range's ids once and faulted in twice their pages (a quarter fell short).
                let mut out = take_ids(text.len() / 3);
                shared
                    .with_copy(|e| e.encode_prefix(&text, &policy, true, start as u64, &mut out))
                    .map_err(|e| js_error(e.in_file(&path)))?;
                Ok(out)
            },
            ids_to_js,
        )
    }

    #[napi]
    pub fn decode(&self, ids: Uint32Array) -> Result<Uint8Array> {
        let mut out = Vec::new();
        self.shared.built.decode_into(&ids, &mut out).map_err(js_error)?;
        Ok(Uint8Array::new(out))
    }

    #[napi]
    pub fn token_bytes(&self, id: u32) -> Result<Uint8Array> {
        let b = self.shared.built.token_bytes(id).ok_or_else(|| {
            js_error(Error::UnknownTokenId {
                id,
                vocab_size: self.shared.built.vocab_size() as u32,
            })
        })?;
        Ok(Uint8Array::new(b.to_vec()))
    }
}

/// Id buffers of file ranges whose arrays JS has collected, kept for the next ranges. A fresh buffer is
/// untouched memory: writing a range's ids into it faulted in every page (~127k page faults, an eighth of
/// the CPU time, for 455 MB of text), where a reused one is already mapped. At most one per pool thread is
/// kept, so what stays allocated after encoding is bounded by the threads times one range's ids.
static SPARE_IDS: Mutex<Vec<Vec<u32>>> = Mutex::new(Vec::new());

/// An empty buffer with room for `cap` ids: a spare one when one fits, at most twice that size (the
/// runtime counts an array's length, not its buffer's capacity, towards its memory use).
fn take_ids(cap: usize) -> Vec<u32> {
    let mut spare = SPARE_IDS.lock().unwrap_or_else(PoisonError::into_inner);
    match spare
        .iter()
        .position(|v| v.capacity() >= cap && v.capacity() <= cap.max(1) * 2)
    {
        Some(i) => spare.swap_remove(i),
        None => Vec::with_capacity(cap),
    }
}

/// The ids as a JS array over the same memory; when the runtime frees that memory (no view of it is left),
/// the buffer goes back to `SPARE_IDS` instead of being freed.
fn ids_to_js(ids: Vec<u32>) -> Uint32Array {
    if ids.capacity() == 0 {
        return Uint32Array::new(ids);
    }
    let mut ids = std::mem::ManuallyDrop::new(ids);
    let (ptr, len, cap) = (ids.as_mut_ptr(), ids.len(), ids.capacity());
    // SAFETY: `ptr` is the allocation of a Vec<u32> of capacity `cap`, given up above (ManuallyDrop) and
    // owned by the array until napi-rs calls the closure, once: when the runtime frees the ArrayBuffer,
    // when napi-rs copies the ids because the runtime refuses external buffers, or when the array is
    // dropped unsent. The closure rebuilds that Vec with length 0: only the allocation is reused.
    unsafe {
        Uint32Array::with_external_data(ptr, len, move |p, _| {
            let v = Vec::from_raw_parts(p, 0, cap);
            let mut spare = SPARE_IDS.lock().unwrap_or_else(PoisonError::into_inner);
            if spare.len() < pool::size() {
                spare.push(v);
            }
        })
    }
}
