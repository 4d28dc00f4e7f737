//! Node-API classes for training, mirroring `wasm/train.rs`: a counter (special tokens + pre-token counts)
//! filled from UTF-8 chunks and merged from other counters' serialized counts, and a trainer built from
//! it that runs merges in batches so the caller can report progress. JS owns the objects; GC frees them.

use super::js_error;
use crate::count::PretokenCounts;
use crate::error::utf8;
use crate::special::SpecialTokens;
use napi::bindgen_prelude::{Uint32Array, Uint8Array};
use napi::Result;
use napi_derive::napi;

/// Throws the counter's own error for a bad training special-token list, before any input is read.
#[napi]
pub fn check_training_specials(specials: Vec<String>) -> Result<()> {
    SpecialTokens::for_training(&specials).map(drop).map_err(js_error)
}

#[napi]
pub struct Counter {
    specials: SpecialTokens,
    counts: PretokenCounts,
}

#[napi]
impl Counter {
    #[napi(constructor)]
    pub fn new(specials: Vec<String>) -> Result<Self> {
        Ok(Counter {
            specials: SpecialTokens::for_training(&specials).map_err(js_error)?,
            counts: PretokenCounts::new(),
        })
    }

    /// Counts a UTF-8 chunk that starts at byte `base` of the input (for errors); returns the number of
    /// distinct pre-tokens so far.
    #[napi]
    pub fn add_text(&mut self, chunk: Uint8Array, base: f64) -> Result<f64> {
        let text = utf8(&chunk, base as u64).map_err(js_error)?;
        self.counts.add_text(text, &self.specials);
        Ok(self.counts.len() as f64)
    }

    /// The counts in the format `addSerialized` (native or WASM) reads.
    #[napi]
    pub fn serialize(&self) -> Uint8Array {
        Uint8Array::new(self.counts.serialize())
    }

    #[napi]
    pub fn add_serialized(&mut self, counts: Uint8Array) -> Result<f64> {
        self.counts.add_serialized(&counts).map_err(js_error)?;
        Ok(self.counts.len() as f64)
    }

    #[napi(getter)]
    pub fn len(&self) -> f64 {
        self.counts.len() as f64
    }
}

#[napi]
pub struct Trainer {
    inner: crate::train::Trainer,
}

#[napi]
impl Trainer {
    /// A trainer over the counter's counts; the counter stays usable.
    #[napi(constructor)]
    pub fn new(counter: &Counter) -> Self {
        Trainer {
            inner: crate::train::Trainer::new(&counter.counts),
        }
    }

    /// Runs up to `max` merges; returns how many were made (fewer: no pair left).
    #[napi]
    pub fn step(&mut self, max: u32) -> u32 {
        self.inner.step(max as usize) as u32
    }

    /// Every merge so far as flat (left id, right id) pairs.
    #[napi]
    pub fn merges(&self) -> Uint32Array {
        Uint32Array::new(self.inner.merges().iter().flat_map(|&(a, b)| [a, b]).collect())
    }
}
