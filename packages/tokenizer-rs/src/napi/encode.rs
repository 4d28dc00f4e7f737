//! Node-API encoder, mirroring `wasm/encode.rs`: built from the same file bytes or token lists, encoding
//! under a per-call special-token policy (one flag byte per construction special token: bit 0 allowed,
//! bit 1 disallowed; empty for CS336's all-special), decoding to bytes.

use super::js_error;
use crate::encode::SpecialPolicy;
use crate::error::Error;
use napi::bindgen_prelude::{Uint32Array, Uint8Array};
use napi::Result;
use napi_derive::napi;

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

#[napi]
pub struct Encoder {
    inner: crate::encode::Encoder,
}

impl Encoder {
    fn policy(&self, flags: &[u8]) -> Result<SpecialPolicy> {
        SpecialPolicy::from_flags(self.inner.special_ids().len(), flags).map_err(js_error)
    }
}

fn wrap(e: crate::error::Result<crate::encode::Encoder>) -> Result<Encoder> {
    e.map(|inner| Encoder { inner }).map_err(js_error)
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
        self.inner.vocab_size() as u32
    }

    #[napi(getter)]
    pub fn special_tokens(&self) -> Vec<String> {
        self.inner.special_tokens().to_vec()
    }

    #[napi(getter)]
    pub fn special_ids(&self) -> Uint32Array {
        Uint32Array::new(self.inner.special_ids().to_vec())
    }

    /// The ids of all of `text` (UTF-8 bytes) under `policy`.
    #[napi]
    pub fn encode(&mut self, text: Uint8Array, policy: Option<Uint8Array>) -> Result<Uint32Array> {
        let policy = self.policy(policy.as_deref().unwrap_or(&[]))?;
        let mut out = Vec::new();
        self.inner
            .encode_prefix(&text, &policy, true, 0, &mut out)
            .map_err(js_error)?;
        Ok(Uint32Array::new(out))
    }

    /// WASM's `encoder_encode`: the ids of `text`'s stable prefix (all of it when `last`) and how many of
    /// its bytes that prefix holds; `base` is `text[0]`'s absolute offset, for error messages.
    #[napi]
    pub fn encode_prefix(
        &mut self,
        text: Uint8Array,
        policy: Uint8Array,
        last: bool,
        base: f64,
    ) -> Result<EncodedPrefix> {
        let policy = self.policy(&policy)?;
        let mut out = Vec::new();
        let consumed = self
            .inner
            .encode_prefix(&text, &policy, last, base as u64, &mut out)
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
        &mut self,
        text: Uint8Array,
        ends: Uint32Array,
        policy: Uint8Array,
    ) -> Result<EncodedBatch> {
        let policy = self.policy(&policy)?;
        let (mut out, mut id_ends) = (Vec::new(), Vec::with_capacity(ends.len()));
        self.inner
            .encode_batch(&text, &ends, &policy, &mut out, &mut id_ends)
            .map_err(js_error)?;
        Ok(EncodedBatch {
            ids: Uint32Array::new(out),
            ends: Uint32Array::new(id_ends),
        })
    }

    #[napi]
    pub fn decode(&self, ids: Uint32Array) -> Result<Uint8Array> {
        let mut out = Vec::new();
        self.inner.decode_into(&ids, &mut out).map_err(js_error)?;
        Ok(Uint8Array::new(out))
    }

    #[napi]
    pub fn token_bytes(&self, id: u32) -> Result<Uint8Array> {
        let b = self.inner.token_bytes(id).ok_or_else(|| {
            js_error(Error::UnknownTokenId {
                id,
                vocab_size: self.inner.vocab_size() as u32,
            })
        })?;
        Ok(Uint8Array::new(b.to_vec()))
    }
}
