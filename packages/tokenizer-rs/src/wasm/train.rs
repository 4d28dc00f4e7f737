//! WASM exports for training: a counter (special tokens + pre-token counts) that Workers fill from text
//! chunks and serialize, and a trainer built from a merged counter that runs merges in batches so JS can
//! report progress. Objects live in per-instance slabs and are named by handles (0 = failure).

use super::{bytes, fail, read_string_list, set_result, utf8};
use crate::count::PretokenCounts;
use crate::error::Error;
use crate::special::SpecialTokens;
use crate::train::Trainer;
use std::cell::RefCell;

struct Counter {
    specials: SpecialTokens,
    counts: PretokenCounts,
}

thread_local! {
    static COUNTERS: RefCell<Vec<Option<Counter>>> = const { RefCell::new(Vec::new()) };
    static TRAINERS: RefCell<Vec<Option<Trainer>>> = const { RefCell::new(Vec::new()) };
}

pub(super) fn insert<T>(slab: &RefCell<Vec<Option<T>>>, value: T) -> u32 {
    let mut s = slab.borrow_mut();
    let index = match s.iter().position(Option::is_none) {
        Some(i) => {
            s[i] = Some(value);
            i
        }
        None => {
            s.push(Some(value));
            s.len() - 1
        }
    };
    index as u32 + 1
}

/// Runs `f` on the live object named by `handle`, or records a BadHandle error and returns -1.
pub(super) fn with<T, R: Into<i64>>(
    slab: &'static std::thread::LocalKey<RefCell<Vec<Option<T>>>>,
    what: &'static str,
    handle: u32,
    f: impl FnOnce(&mut T) -> Result<R, Error>,
) -> i64 {
    slab.with(|s| {
        let mut s = s.borrow_mut();
        match handle
            .checked_sub(1)
            .and_then(|i| s.get_mut(i as usize))
            .and_then(Option::as_mut)
        {
            None => fail(&Error::BadHandle { what, handle }) as i64,
            Some(obj) => match f(obj) {
                Ok(v) => v.into(),
                Err(e) => fail(&e) as i64,
            },
        }
    })
}

/// Checks a training special-token list (string list): 0, or -1 with the first bad token named. Lets
/// the wrapper refuse the list before reading any input, with the counter's own rule.
///
/// # Safety
/// (ptr, len) must be readable memory allocated by `alloc`.
#[no_mangle]
pub unsafe extern "C" fn check_training_specials(ptr: *const u8, len: usize) -> i32 {
    match read_string_list(bytes(ptr, len)).and_then(|list| SpecialTokens::for_training(&list)) {
        Ok(_) => 0,
        Err(e) => fail(&e),
    }
}

/// New counter for the special tokens given as a string list (`SpecialTokens::for_training`); returns
/// its handle, 0 on error.
///
/// # Safety
/// (ptr, len) must be readable memory allocated by `alloc`.
#[no_mangle]
pub unsafe extern "C" fn counter_new(ptr: *const u8, len: usize) -> u32 {
    let specials = read_string_list(bytes(ptr, len)).and_then(|list| SpecialTokens::for_training(&list));
    match specials {
        Ok(specials) => COUNTERS.with(|c| {
            insert(
                c,
                Counter {
                    specials,
                    counts: PretokenCounts::new(),
                },
            )
        }),
        Err(e) => {
            fail(&e);
            0
        }
    }
}

/// Counts the pre-tokens of a UTF-8 chunk starting at absolute byte `base` of the input (for errors).
/// Returns the number of distinct pre-tokens so far, or -1.
///
/// # Safety
/// (ptr, len) must be readable memory allocated by `alloc`.
#[no_mangle]
pub unsafe extern "C" fn counter_add_text(handle: u32, ptr: *const u8, len: usize, base: f64) -> f64 {
    let chunk = bytes(ptr, len);
    with(&COUNTERS, "counter", handle, |c| {
        let text = utf8(chunk, base as u64)?;
        c.counts.add_text(text, &c.specials);
        Ok(c.counts.len() as i64)
    }) as f64
}

/// Serializes the counts into the result buffer; returns the number of distinct pre-tokens, or -1.
#[no_mangle]
pub extern "C" fn counter_serialize(handle: u32) -> f64 {
    with(&COUNTERS, "counter", handle, |c| {
        set_result(c.counts.serialize());
        Ok(c.counts.len() as i64)
    }) as f64
}

/// The number of distinct pre-tokens, or -1. Asked without `counter_serialize`, which copies the table
/// (one pre-token as long as the corpus, for text without whitespace).
#[no_mangle]
pub extern "C" fn counter_len(handle: u32) -> f64 {
    with(&COUNTERS, "counter", handle, |c| Ok(c.counts.len() as i64)) as f64
}

/// The bytes `counter_serialize` would write (what the counts take), or -1.
#[no_mangle]
pub extern "C" fn counter_bytes(handle: u32) -> f64 {
    with(&COUNTERS, "counter", handle, |c| {
        Ok(c.counts.iter().map(|(k, _)| 12 + k.len() as i64).sum::<i64>())
    }) as f64
}

/// Adds serialized counts (from another instance's `counter_serialize`); returns distinct count or -1.
///
/// # Safety
/// (ptr, len) must be readable memory allocated by `alloc`.
#[no_mangle]
pub unsafe extern "C" fn counter_add_serialized(handle: u32, ptr: *const u8, len: usize) -> f64 {
    let buf = bytes(ptr, len);
    with(&COUNTERS, "counter", handle, |c| {
        c.counts.add_serialized(buf)?;
        Ok(c.counts.len() as i64)
    }) as f64
}

/// Drops the object named by `handle`: 0, or -1 (BadHandle) when there is none.
pub(super) fn free<T>(
    slab: &'static std::thread::LocalKey<RefCell<Vec<Option<T>>>>,
    what: &'static str,
    handle: u32,
) -> i32 {
    slab.with(
        |c| match c.borrow_mut().get_mut((handle as usize).wrapping_sub(1)) {
            Some(slot @ Some(_)) => {
                *slot = None;
                0
            }
            _ => fail(&Error::BadHandle { what, handle }),
        },
    )
}

#[no_mangle]
pub extern "C" fn counter_free(handle: u32) -> i32 {
    free(&COUNTERS, "counter", handle)
}

/// Builds a trainer from a counter's counts (the counter stays usable); returns its handle, 0 on error.
#[no_mangle]
pub extern "C" fn trainer_new(counter: u32) -> u32 {
    let trainer = COUNTERS.with(|c| {
        let c = c.borrow();
        c.get((counter as usize).wrapping_sub(1))
            .and_then(Option::as_ref)
            .map(|c| Trainer::new(&c.counts))
    });
    match trainer {
        Some(t) => TRAINERS.with(|s| insert(s, t)),
        None => {
            fail(&Error::BadHandle {
                what: "counter",
                handle: counter,
            });
            0
        }
    }
}

/// Runs up to `max` merges; returns how many were made (fewer: no pair left), or -1.
#[no_mangle]
pub extern "C" fn trainer_step(handle: u32, max: u32) -> i32 {
    with(&TRAINERS, "trainer", handle, |t| Ok(t.step(max as usize) as i64)) as i32
}

/// Puts every merge so far in the result buffer as (left id, right id) u32 LE pairs; returns the count.
#[no_mangle]
pub extern "C" fn trainer_merges(handle: u32) -> i32 {
    with(&TRAINERS, "trainer", handle, |t| {
        let mut out = Vec::with_capacity(t.merges().len() * 8);
        for &(a, b) in t.merges() {
            out.extend_from_slice(&a.to_le_bytes());
            out.extend_from_slice(&b.to_le_bytes());
        }
        set_result(out);
        Ok(t.merges().len() as i64)
    }) as i32
}

#[no_mangle]
pub extern "C" fn trainer_free(handle: u32) -> i32 {
    free(&TRAINERS, "trainer", handle)
}
