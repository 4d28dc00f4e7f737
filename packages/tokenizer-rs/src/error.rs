//! The crate's error values. Every failure carries the context a user needs to fix the input (byte
//! offset of invalid UTF-8, the offending token, the numbers that disagree); nothing is `unwrap`ped on
//! input, because a panic in WASM reaches JS only as an opaque `unreachable`.

use core::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Input bytes are not UTF-8; `offset` is absolute in the caller's stream (chunk base added).
    InvalidUtf8 { offset: u64 },
    /// A special token is the empty string; `index` is its position in the list given.
    EmptySpecialToken { index: usize },
    /// The same special token was given twice.
    DuplicateSpecialToken { token: String },
    /// `vocab_size` cannot even hold the 256 byte tokens plus the special tokens.
    VocabSizeTooSmall { vocab_size: u64, minimum: u64 },
    /// A serialized buffer crossing the WASM boundary is malformed (internal or caller bug).
    MalformedBuffer { what: &'static str, offset: usize },
    /// A handle passed from JS does not name a live object.
    BadHandle { what: &'static str, handle: u32 },
    /// The vocab does not fit u32 ids / offsets.
    VocabTooLarge { tokens: u64, bytes: u64 },
    /// Merge number `merge` (0-based, in file order) names or produces a token missing from the vocab.
    MergeTokenNotInVocab { merge: usize, token: String },
    /// The vocab lacks the single-byte token for `byte`, so some text could not be encoded.
    MissingByteToken { byte: u8 },
    /// A special token's given id is neither its id in the vocab nor the next free id.
    SpecialTokenIdMismatch { token: String, id: u32, next: u32 },
    /// Decoding met an id outside the vocab.
    UnknownTokenId { id: u32, vocab_size: u32 },
    /// The text contains a special token the caller disallowed.
    DisallowedSpecialToken { token: String },
    /// A per-call policy names a special token the tokenizer was not built with.
    UnknownSpecialToken { token: String, known: Vec<String> },
    /// A tiktoken rank file line is malformed (`line` is 1-based).
    BadRankFile { line: usize, why: &'static str },
    /// A tiktoken rank file skips a rank (ranks double as ids, so they must be 0..n-1).
    MissingRank { rank: u32, why: &'static str },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidUtf8 { offset } => {
                write!(
                    f,
                    "input is not valid UTF-8 at byte offset {offset}; re-encode the file as UTF-8"
                )
            }
            Error::EmptySpecialToken { index } => {
                write!(
                    f,
                    "special token #{index} is empty; special tokens must be non-empty strings"
                )
            }
            Error::DuplicateSpecialToken { token } => {
                write!(
                    f,
                    "special token {token:?} is given more than once; list each special token once"
                )
            }
            Error::VocabSizeTooSmall { vocab_size, minimum } => write!(
                f,
                "vocab size {vocab_size} is too small: it must be at least {minimum} \
                 (256 byte tokens + the special tokens)"
            ),
            Error::MalformedBuffer { what, offset } => {
                write!(f, "malformed {what} buffer at byte {offset}")
            }
            Error::BadHandle { what, handle } => write!(f, "no live {what} with handle {handle}"),
            Error::VocabTooLarge { tokens, bytes } => write!(
                f,
                "vocab of {tokens} tokens and {bytes} bytes is too large: ids and offsets must fit 32 bits"
            ),
            Error::MergeTokenNotInVocab { merge, token } => write!(
                f,
                "merge #{} (0-based {merge}) names or produces the token {token}, which is not in the vocab; \
                 every merge's parts and their concatenation must be vocab entries",
                merge + 1
            ),
            Error::MissingByteToken { byte } => write!(
                f,
                "the vocab has no token for the single byte 0x{byte:02x}; a byte-level BPE vocab must contain \
                 all 256 bytes"
            ),
            Error::SpecialTokenIdMismatch { token, id, next } => write!(
                f,
                "special token {token:?} has id {id}, but it is not in the vocab with that id and the next \
                 free id is {next}; give special tokens the ids right after the vocab"
            ),
            Error::UnknownTokenId { id, vocab_size } => {
                write!(f, "token id {id} not in [0, {vocab_size})")
            }
            Error::DisallowedSpecialToken { token } => write!(
                f,
                "the text contains the special token {token:?}, which this call disallows; pass \
                 allowedSpecial: [{token:?}] (or \"all\") to encode it as a special token, or remove it from \
                 disallowedSpecial to encode it as plain text"
            ),
            Error::UnknownSpecialToken { token, known } => write!(
                f,
                "{token:?} is not one of this tokenizer's special tokens ({known:?}); add it at construction \
                 or leave it out of allowedSpecial/disallowedSpecial"
            ),
            Error::BadRankFile { line, why } => {
                write!(f, "rank file line {line}: {why}; expected tiktoken's \"base64token rank\" lines")
            }
            Error::MissingRank { rank, why } => write!(f, "rank file: rank {rank} is missing; {why}"),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = core::result::Result<T, Error>;
