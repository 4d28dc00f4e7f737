//! The crate's error values. Every failure carries the context a user needs to fix the input (byte
//! offset of invalid UTF-8, the offending token, the numbers that disagree); nothing is `unwrap`ped on
//! input, because a panic in WASM reaches JS only as an opaque `unreachable`. Each error also has a
//! `code`, the kind of failure, which crosses the WASM boundary next to the message so that callers
//! branch on it, never on the message's words.

use core::fmt;

/// The kinds of failure, as the small integers the WASM boundary reports (`last_error_code`). The names
/// are `TokenizerError.code` in TypeScript (ts/wasm.ts `CORE_CODES` lists them in this order; a test
/// checks both agree). 0 means no error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ErrorCode {
    /// Input text is not UTF-8.
    InvalidUtf8 = 1,
    /// A special-token list or policy is wrong: empty, repeated, unknown, or an id that does not fit.
    SpecialToken,
    /// The text contains a special token the call disallows.
    DisallowedSpecial,
    /// Vocab and merges do not form a tokenizer: a missing byte token, a merge outside the vocab, …
    Vocab,
    /// A vocab.json, merges.txt or tokenizer.json file is malformed.
    FileFormat,
    /// A tiktoken rank file is malformed or is for an encoding this tokenizer cannot run.
    RankFile,
    /// An id outside the vocab.
    TokenId,
    /// A bug on one side of the boundary: a malformed buffer, a handle that names nothing.
    Internal,
}

impl ErrorCode {
    pub(crate) const ALL: [ErrorCode; 8] = [
        ErrorCode::InvalidUtf8,
        ErrorCode::SpecialToken,
        ErrorCode::DisallowedSpecial,
        ErrorCode::Vocab,
        ErrorCode::FileFormat,
        ErrorCode::RankFile,
        ErrorCode::TokenId,
        ErrorCode::Internal,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            ErrorCode::InvalidUtf8 => "invalid_utf8",
            ErrorCode::SpecialToken => "special_token",
            ErrorCode::DisallowedSpecial => "disallowed_special",
            ErrorCode::Vocab => "vocab",
            ErrorCode::FileFormat => "file_format",
            ErrorCode::RankFile => "rank_file",
            ErrorCode::TokenId => "token_id",
            ErrorCode::Internal => "internal",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Input bytes are not UTF-8; `offset` is absolute in the caller's stream (chunk base added).
    InvalidUtf8 { offset: u64 },
    /// A special token is the empty string; `index` is its position in the list given.
    EmptySpecialToken { index: usize },
    /// The same special token was given twice.
    DuplicateSpecialToken { token: String },
    /// A special token for training is one byte, so it would be a second id for that byte's token.
    SingleByteSpecialToken { token: String },
    /// Two vocab entries would be written as the same vocab.json key (a special token with another
    /// token's bytes); `first` and `second` are their ids.
    SameKey { key: String, first: u32, second: u32 },
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
    /// A vocab's ids leave a gap: with `size` entries, id `missing` is absent and `found` lies beyond.
    VocabGap { size: usize, missing: u64, found: u64 },
    /// A vocab.json, merges.txt or tokenizer.json is malformed: `why` says how, at `line` when it has one.
    FileFormat {
        file: String,
        line: Option<usize>,
        why: String,
    },
    /// A merges.txt line names or produces a token that is not in the vocab.
    MergeLineNotInVocab {
        file: String,
        line: usize,
        token: String,
    },
    /// A vocab token that no merge produces although it has a merge's shape (a truncated merges file);
    /// `merges_file` is empty when the merges sit in `vocab_file` (tokenizer.json).
    UnproducedToken {
        id: u32,
        token: String,
        vocab_file: String,
        merges_file: String,
    },
    /// Special tokens asked for are not among a tokenizer.json's own (its added tokens).
    SpecialsNotInFile {
        file: String,
        missing: Vec<String>,
        own: Vec<String>,
    },
    /// A tiktoken encoder JSON is malformed, or encodes with a pre-tokenizer other than GPT-2's.
    RankJson { why: String },
    /// `error`, met while reading `file`.
    InFile { file: String, error: Box<Error> },
}

/// Strings as a JS list is shown in messages: each JSON-quoted, joined by ", ".
fn listed(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| crate::encode::quoted(s)).collect();
    quoted.join(", ")
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
            Error::DuplicateSpecialToken { token } => write!(
                f,
                "special token {} is given twice; list each special token once",
                crate::encode::quoted(token)
            ),
            Error::SingleByteSpecialToken { token } => write!(
                f,
                "special token {} is a single byte, which is already byte token {}; special tokens must be \
                 at least 2 bytes long (e.g. <|x|>)",
                crate::encode::quoted(token),
                token.as_bytes().first().copied().unwrap_or(0)
            ),
            Error::SameKey { key, first, second } => write!(
                f,
                "ids {first} and {second} would both be written as {}, which vocab.json cannot hold; a special \
                 token must not have the same bytes as another token (e.g. a one-byte special token)",
                crate::encode::quoted(key)
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
            Error::BadRankFile { .. }
            | Error::MissingRank { .. }
            | Error::VocabGap { .. }
            | Error::FileFormat { .. }
            | Error::MergeLineNotInVocab { .. }
            | Error::UnproducedToken { .. }
            | Error::SpecialsNotInFile { .. }
            | Error::RankJson { .. }
            | Error::InFile { .. } => self.fmt_file_error(f),
        }
    }
}

impl Error {
    /// The messages of errors in tokenizer files (their format, or a vocab that does not fit).
    fn fmt_file_error(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadRankFile { line, why } => {
                write!(f, "rank file line {line}: {why}; expected tiktoken's \"base64token rank\" lines")
            }
            Error::MissingRank { rank, why } => write!(f, "rank file: rank {rank} is missing; {why}"),
            Error::VocabGap {
                size,
                missing,
                found,
            } => write!(
                f,
                "vocab ids must be 0..{} without gaps; id {missing} is missing (found {found})",
                *size as i64 - 1
            ),
            Error::FileFormat { file, line, why } => match line {
                Some(n) => write!(f, "{file} line {n}: {why}"),
                None => write!(f, "{file}: {why}"),
            },
            Error::MergeLineNotInVocab { file, line, token } => write!(
                f,
                "{file} line {line}: the merge names or produces the token {token}, which is not in the \
                 vocab; every merge's parts and their concatenation must be vocab entries"
            ),
            Error::UnproducedToken {
                id,
                token,
                vocab_file,
                merges_file,
            } => write!(
                f,
                "{vocab_file}: token {token} (id {id}) is in the vocab, but no merge in {} produces it (is the \
                 file truncated?); every token longer than one byte must be the result of a merge",
                if merges_file.is_empty() { "its merges" } else { merges_file },
            ),
            Error::SpecialsNotInFile { file, missing, own } => write!(
                f,
                "special token{} {} not in {file} (its special tokens: {}); retrain with them or drop the flag",
                if missing.len() > 1 { "s" } else { "" },
                listed(missing),
                if own.is_empty() { "none".to_string() } else { listed(own) },
            ),
            Error::RankJson { why } => f.write_str(why),
            Error::InFile { file, error } => write!(f, "{file}: {error}"),
            // Display sends only the variants above here.
            _ => Ok(()),
        }
    }

    /// This error as met in `file` (no change when `file` is empty: the caller named no file).
    pub(crate) fn in_file(self, file: &str) -> Error {
        if file.is_empty() {
            return self;
        }
        Error::InFile {
            file: file.to_string(),
            error: Box::new(self),
        }
    }

    pub(crate) fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidUtf8 { .. } => ErrorCode::InvalidUtf8,
            Error::EmptySpecialToken { .. }
            | Error::DuplicateSpecialToken { .. }
            | Error::SingleByteSpecialToken { .. }
            | Error::SameKey { .. }
            | Error::SpecialTokenIdMismatch { .. }
            | Error::UnknownSpecialToken { .. }
            | Error::SpecialsNotInFile { .. } => ErrorCode::SpecialToken,
            Error::DisallowedSpecialToken { .. } => ErrorCode::DisallowedSpecial,
            Error::VocabTooLarge { .. }
            | Error::MergeTokenNotInVocab { .. }
            | Error::MergeLineNotInVocab { .. }
            | Error::UnproducedToken { .. }
            | Error::MissingByteToken { .. }
            | Error::VocabGap { .. } => ErrorCode::Vocab,
            Error::FileFormat { .. } => ErrorCode::FileFormat,
            Error::BadRankFile { .. } | Error::MissingRank { .. } | Error::RankJson { .. } => {
                ErrorCode::RankFile
            }
            Error::InFile { error, .. } => error.code(),
            Error::UnknownTokenId { .. } => ErrorCode::TokenId,
            Error::MalformedBuffer { .. } | Error::BadHandle { .. } => ErrorCode::Internal,
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = core::result::Result<T, Error>;

/// UTF-8 view of input bytes; `base` is the absolute offset of `b[0]` in the caller's stream.
pub(crate) fn utf8(b: &[u8], base: u64) -> Result<&str> {
    core::str::from_utf8(b).map_err(|e| Error::InvalidUtf8 {
        offset: base + e.valid_up_to() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_1_to_n_in_order_with_distinct_names() {
        for (i, c) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(*c as u32, i as u32 + 1);
            assert!(ErrorCode::ALL[..i].iter().all(|d| d.name() != c.name()));
        }
        assert_eq!(Error::InvalidUtf8 { offset: 3 }.code(), ErrorCode::InvalidUtf8);
    }
}
