//! cl100k_base and o200k_base pre-tokenization as hand-written scanners (no regex engine), identical to the
//! patterns the tiktoken npm package ships in `encoders/*.json` (`CL100K_PAT_STR`, `O200K_PAT_STR`), with
//! tiktoken's regex semantics: leftmost alternative first, greedy quantifiers that backtrack, `\s` as
//! Unicode White_Space, case-insensitive contractions (`'ſ` is `'s`). Classes come from the generated
//! `unicode_tables::gpt4_class`; ASCII takes one table load.

use crate::unicode_tables::gpt4_class;

pub const CL100K_PAT_STR: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
pub const O200K_PAT_STR: &str = r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

// Classes as bit flags, so the sets the patterns name are one mask test each. `gpt4_class` numbers them
// 0 (other) to 6; \r and \n get their own flag because the patterns treat them apart from other space.
const OTHER: u8 = 1;
const UPPER: u8 = 2; // Lu, Lt
const LOWER: u8 = 4; // Ll
const MODLO: u8 = 8; // Lm, Lo
const MARK: u8 = 16; // M
const NUMBER: u8 = 32;
const SPACE: u8 = 64; // White_Space but \r \n
const NEWLINE: u8 = 128; // \r \n

const LETTER: u8 = UPPER | LOWER | MODLO; // \p{L}
const WS: u8 = SPACE | NEWLINE; // \s
const PUNCT: u8 = OTHER | MARK; // [^\s\p{L}\p{N}]
const PREFIX: u8 = OTHER | MARK | SPACE; // [^\r\n\p{L}\p{N}]
const O_UPPER: u8 = UPPER | MODLO | MARK; // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
const O_LOWER: u8 = LOWER | MODLO | MARK; // [\p{Ll}\p{Lm}\p{Lo}\p{M}]

const FLAGS: [u8; 7] = [OTHER, UPPER, LOWER, MODLO, MARK, NUMBER, SPACE];

const fn ascii_flags() -> [u8; 128] {
    let mut t = [OTHER; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_uppercase() {
            UPPER
        } else if c.is_ascii_lowercase() {
            LOWER
        } else if c.is_ascii_digit() {
            NUMBER
        } else if c == b'\r' || c == b'\n' {
            NEWLINE
        } else if matches!(c, b'\t' | 0x0b | 0x0c | b' ') {
            SPACE
        } else {
            OTHER
        };
        b += 1;
    }
    t
}

static ASCII: [u8; 128] = ascii_flags();

/// Class flag and UTF-8 length of the character at `b[i]` (`i < b.len()`, a char boundary of UTF-8).
#[inline(always)]
fn flag_at(b: &[u8], i: usize) -> (u8, usize) {
    let x = b[i];
    if x < 0x80 {
        (ASCII[x as usize], 1)
    } else {
        wide_flag(b, i)
    }
}

#[inline(never)]
fn wide_flag(b: &[u8], i: usize) -> (u8, usize) {
    let (cp, len) = super::decode_wide(b, i);
    (FLAGS[gpt4_class(cp) as usize], len)
}

/// End of the run of characters whose flags meet `set`, from `i`.
#[inline(always)]
fn run(b: &[u8], mut i: usize, set: u8) -> usize {
    while i < b.len() {
        let x = b[i];
        if x < 0x80 {
            if ASCII[x as usize] & set == 0 {
                break;
            }
            i += 1;
        } else {
            let (f, l) = wide_flag(b, i);
            if f & set == 0 {
                break;
            }
            i += l;
        }
    }
    i
}

/// Length of a case-insensitive contraction (`'s 't 're 've 'm 'll 'd`, `ſ` folding to `s`) at `i`.
#[inline]
fn contraction_len(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'\'') {
        return None;
    }
    let lower = |k: usize| b.get(i + k).map(|c| c | 0x20);
    match lower(1)? {
        b's' | b't' | b'm' | b'd' => Some(2),
        c @ (b'r' | b'v' | b'l') => {
            let want = if c == b'l' { b'l' } else { b'e' };
            (lower(2) == Some(want)).then_some(3)
        }
        // U+017F LATIN SMALL LETTER LONG S (C5 BF) folds to `s`; `| 0x20` leaves 0xC5 as 0xE5.
        0xe5 if b[i + 1] == 0xc5 && b.get(i + 2) == Some(&0xbf) => Some(3),
        _ => None,
    }
}

/// The whitespace alternatives shared by both patterns, from `start` (whitespace):
/// `\s*[\r\n]+|\s+(?!\S)|\s+`.
#[inline]
fn whitespace_end(b: &[u8], start: usize) -> usize {
    let mut end = start;
    let mut last = start; // start of the run's last character
    let mut past_newline = None; // end of its last \r or \n
    while end < b.len() {
        let (f, l) = flag_at(b, end);
        if f & WS == 0 {
            break;
        }
        if f == NEWLINE {
            past_newline = Some(end + l);
        }
        last = end;
        end += l;
    }
    if let Some(e) = past_newline {
        e
    } else if end == b.len() || last == start {
        end
    } else {
        last
    }
}

/// End of the pre-token starting at `start` under cl100k_base's pattern.
pub(crate) fn cl100k_end(b: &[u8], start: usize) -> usize {
    if let Some(n) = contraction_len(b, start) {
        return start + n;
    }
    let (f0, l0) = flag_at(b, start);
    let after = start + l0;
    if f0 & LETTER != 0 {
        return run(b, after, LETTER);
    }
    let next = (after < b.len()).then(|| flag_at(b, after));
    if f0 & PREFIX != 0 {
        if let Some((_, l1)) = next.filter(|&(f1, _)| f1 & LETTER != 0) {
            return run(b, after + l1, LETTER);
        }
    }
    if f0 == NUMBER {
        return digits(b, after);
    }
    let punct_from = if f0 & PUNCT != 0 {
        Some(after)
    } else if b[start] == b' ' {
        next.filter(|&(f1, _)| f1 & PUNCT != 0).map(|(_, l1)| after + l1)
    } else {
        None
    };
    if let Some(i) = punct_from {
        let e = run(b, i, PUNCT);
        return e + b[e..].iter().take_while(|&&c| c == b'\r' || c == b'\n').count();
    }
    whitespace_end(b, start)
}

/// `\p{N}{1,3}` with the first number already taken: up to two more.
#[inline]
fn digits(b: &[u8], mut end: usize) -> usize {
    for _ in 0..2 {
        if end >= b.len() {
            break;
        }
        let (f, l) = flag_at(b, end);
        if f != NUMBER {
            break;
        }
        end += l;
    }
    end
}

/// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+` from `j`, as a backtracking engine matches
/// it: the upper run is taken whole when a lowercase letter follows it; otherwise it gives characters
/// back until one it gave back can start the lower run, which then is that one character (the rest of
/// the upper run is Lu/Lt). None when the run holds no such character.
#[inline]
fn o200k_lower_tail(b: &[u8], j: usize) -> Option<usize> {
    let mut k = j;
    let mut last_lower_end = None;
    while k < b.len() {
        let (f, l) = flag_at(b, k);
        if f & O_UPPER == 0 {
            if f == LOWER {
                return Some(run(b, k + l, O_LOWER));
            }
            break;
        }
        k += l;
        if f & O_LOWER != 0 {
            last_lower_end = Some(k);
        }
    }
    last_lower_end
}

/// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*` from `j`.
#[inline]
fn o200k_upper_head(b: &[u8], j: usize) -> Option<usize> {
    let k = run(b, j, O_UPPER);
    (k > j).then(|| run(b, k, O_LOWER))
}

/// End of the pre-token starting at `start` under o200k_base's pattern.
pub(crate) fn o200k_end(b: &[u8], start: usize) -> usize {
    let (f0, l0) = flag_at(b, start);
    let after = start + l0;
    // The two letter alternatives, each with its optional prefix character tried first.
    let with_prefix = f0 & PREFIX != 0 && after < b.len();
    let letters = (with_prefix.then(|| o200k_lower_tail(b, after)).flatten())
        .or_else(|| {
            (f0 & (O_UPPER | O_LOWER) != 0)
                .then(|| o200k_lower_tail(b, start))
                .flatten()
        })
        .or_else(|| with_prefix.then(|| o200k_upper_head(b, after)).flatten())
        .or_else(|| (f0 & O_UPPER != 0).then(|| o200k_upper_head(b, start)).flatten());
    if let Some(e) = letters {
        return e + contraction_len(b, e).unwrap_or(0);
    }
    if f0 == NUMBER {
        return digits(b, after);
    }
    let punct_from = if f0 & PUNCT != 0 {
        Some(after)
    } else if b[start] == b' ' && after < b.len() {
        let (f1, l1) = flag_at(b, after);
        (f1 & PUNCT != 0).then_some(after + l1)
    } else {
        None
    };
    if let Some(i) = punct_from {
        let e = run(b, i, PUNCT);
        return e + b[e..]
            .iter()
            .take_while(|&&c| matches!(c, b'\r' | b'\n' | b'/'))
            .count();
    }
    whitespace_end(b, start)
}

#[cfg(test)]
#[path = "gpt4_tests.rs"]
mod tests;
