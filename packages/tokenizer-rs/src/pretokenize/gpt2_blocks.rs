//! GPT-2 pre-token ends found 64 bytes at a time (x86_64, SSE2: part of every x86_64 CPU). The scanner
//! (`token_end`) takes a few branches per pre-token on the byte classes, and in English text which branch
//! comes next is hard to predict; here the classes of a 64-byte window become bit masks and every token
//! end in it follows from the classes of its neighbours, so the ends come out of one mask, lowest bit first.
//!
//! The rules hold for ASCII up to an apostrophe, where each end depends only on the bytes beside it: the
//! window stops after the first apostrophe (the token from it may be a contraction, which can end inside a
//! letter run) or before the first non-ASCII byte (its class needs decoding). The scanner takes the tokens
//! that start at such a byte, or that a window cannot end, and, after a window with few ends, the next few
//! tokens: in text dense in contractions or accented letters windows would cost more than they save. With
//! classes L (letter), N (digit), O (other, the apostrophe too), W (whitespace, as the scanner's byte table),
//! an end falls before byte i (never before the window's first byte, where a token starts) when:
//! - neither i-1 nor i is W and their classes differ (`L+`, `N+`, `O+` runs);
//! - i is W and i-1 is not (whitespace starts a token);
//! - i is not W, i-1 is W and is not a space (` ?X+` takes only a space);
//! - i-1 and i are W and i+1 is not: `\s+(?!\S)` leaves a run's last char to the next token (a space
//!   joins the word after it; another char is a token of its own). A run that reaches the text's end is
//!   one token.
//!
//! The last rule needs byte i+1, so it only fires where that byte is in the window.

use super::token_end;
use core::arch::x86_64::{
    __m128i, _mm_add_epi8, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
    _mm_set1_epi8,
};

/// The ends of one window not yet handed out, as bits over the bytes from `base`, and the start they
/// follow from; tokens that start before `scalar_until`, and the next `scalar_left`, go to the scanner.
#[derive(Default)]
pub(crate) struct Gpt2Ends {
    base: usize,
    ends: u64,
    at: usize,
    scalar_until: usize,
    scalar_left: u32,
}

/// A window that yields fewer ends than this costs more than the scanner's tokens it replaces (text dense
/// in contractions or accented letters stops windows every few bytes): the scanner then takes the next
/// `SCALAR_RUN` tokens before another window is tried.
const MIN_ENDS: u32 = 3;
const SCALAR_RUN: u32 = 16;

/// Class masks of 64 bytes: bit k is byte k.
struct Classes {
    letter: u64,
    digit: u64,
    space: u64,
    blank: u64,
    /// An apostrophe or a byte >= 0x80.
    stop: u64,
}

impl Gpt2Ends {
    /// The end of the pre-token that starts at `start` (a token start: where the text begins or the last
    /// end handed out), exactly as `token_end(b, start)`.
    #[inline(always)]
    pub(crate) fn next(&mut self, b: &[u8], start: usize) -> usize {
        if self.ends == 0 || start != self.at {
            // A token at a stop byte, or before the stop byte of a window that had no end, is the
            // scanner's (a window from there would stop at the same byte again and yield nothing), and so
            // are the `SCALAR_RUN` tokens after a window with few ends.
            if start < self.scalar_until || b[start] >= 0x80 || b[start] == b'\'' || self.scalar_left > 0 {
                self.scalar_left = self.scalar_left.saturating_sub(1);
                self.ends = 0;
                return token_end(b, start);
            }
            let w = self.fill(b, start);
            if self.ends.count_ones() < MIN_ENDS {
                self.scalar_left = SCALAR_RUN;
            }
            if self.ends == 0 {
                self.scalar_until = start + w;
                return token_end(b, start);
            }
        }
        let end = self.base + self.ends.trailing_zeros() as usize;
        self.ends &= self.ends - 1;
        self.at = end;
        end
    }

    /// Sets `ends` from the window at `start` and returns its length.
    fn fill(&mut self, b: &[u8], start: usize) -> usize {
        let rest = &b[start..];
        let mut c = if rest.len() >= 64 {
            classes(rest)
        } else {
            let mut w = [0u8; 64];
            w[..rest.len()].copy_from_slice(rest);
            classes(&w)
        };
        // The window: up to the first stop byte, the 64 bytes, or the text's end. An apostrophe is in it as
        // an other byte (it is one), so the end before it is found; the token from it is the scanner's.
        let mut stop = c.stop.trailing_zeros() as usize;
        if stop < rest.len().min(64) && rest[stop] == b'\'' {
            c.stop &= !(1 << stop);
            stop += 1;
        }
        let w = stop.min(64).min(rest.len());
        let last = w == rest.len(); // nothing follows the window
        let inside = if w == 64 { u64::MAX } else { (1u64 << w) - 1 };
        let white = c.space & inside;
        let not_white = !c.space & inside;
        let other = !(c.letter | c.digit | c.space | c.stop);
        let same = (c.letter & c.letter << 1) | (c.digit & c.digit << 1) | (other & other << 1);
        let runs = not_white & not_white << 1 & !same;
        let starts_white = white & not_white << 1;
        let after_white = not_white & white << 1 & !(c.blank << 1);
        // Bit i: byte i+1 is in the window and not W. At w-1 the rule never fires: right at the text's end
        // (a run that reaches it is one token); elsewhere that end is left to the next window or the scanner.
        let before_last = white & white << 1 & not_white >> 1;
        let mut ends = (runs | starts_white | after_white | before_last) & inside & !1;
        if last && w < 64 {
            ends |= 1 << w; // the text's end ends its last token
        }
        self.base = start;
        self.ends = ends;
        w
    }
}

/// `b[0..64]`'s classes (b.len() >= 64).
#[inline(always)]
fn classes(b: &[u8]) -> Classes {
    let mut c = Classes {
        letter: 0,
        digit: 0,
        space: 0,
        blank: 0,
        stop: 0,
    };
    for k in 0..4 {
        // SAFETY: SSE2 is part of x86_64; the load reads b[16k..16k+16], inside b (len >= 64).
        let m = unsafe { chunk(_mm_loadu_si128(b.as_ptr().add(16 * k).cast())) };
        c.letter |= (m[0] as u64) << (16 * k);
        c.digit |= (m[1] as u64) << (16 * k);
        c.space |= (m[2] as u64) << (16 * k);
        c.blank |= (m[3] as u64) << (16 * k);
        c.stop |= (m[4] as u64) << (16 * k);
    }
    c
}

/// Letter, digit, whitespace, space and stop masks of 16 bytes.
#[inline(always)]
unsafe fn chunk(x: __m128i) -> [u32; 5] {
    // `x - lo <= n` (unsigned): `min(x - lo, n) == x - lo`.
    let within = |x: __m128i, lo: u8, n: u8| {
        let d = _mm_add_epi8(x, _mm_set1_epi8(lo.wrapping_neg() as i8));
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(n as i8)), d)) as u32
    };
    let eq = |x: __m128i, v: u8| _mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(v as i8))) as u32;
    let high = _mm_movemask_epi8(x) as u32;
    // Setting bit 5 folds A-Z onto a-z; bytes >= 0x80 that fold into the range are stop bytes anyway.
    let letter = within(_mm_or_si128(x, _mm_set1_epi8(0x20)), b'a', 25) & !high;
    let digit = within(x, b'0', 9);
    let blank = eq(x, b' ');
    let space = within(x, b'\t', 4) | blank;
    let stop = high | eq(x, b'\'');
    [letter, digit, space, blank, stop]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scanned(s: &str) -> Vec<usize> {
        let b = s.as_bytes();
        let (mut pos, mut out) = (0, Vec::new());
        while pos < b.len() {
            pos = token_end(b, pos);
            out.push(pos);
        }
        out
    }

    fn windowed(s: &str) -> Vec<usize> {
        let b = s.as_bytes();
        let (mut pos, mut out, mut ends) = (0, Vec::new(), Gpt2Ends::default());
        while pos < b.len() {
            pos = ends.next(b, pos);
            out.push(pos);
        }
        out
    }

    #[test]
    fn ends_equal_the_scanners_on_random_text() {
        // Every ASCII class, each whitespace byte, apostrophes and contractions, non-ASCII letters and
        // spaces; lengths across several windows.
        const PIECES: [&str; 30] = [
            "a", "Z", "q", "7", "42", " ", "  ", "\t", "\n", "\r\n", "\x0b", "\x0c", "'", "'s", "'ll", "'ve",
            "!", "?.", "-", "_", "é", "日", "\u{3000}", "\u{a0}", "\u{85}", "🙂", "the", " the", "\x1c",
            "\0",
        ];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for _ in 0..200_000 {
            let len = rand(120);
            let mut s = String::new();
            // Skewed towards a few pieces some of the time, so long runs of one class occur.
            let pool = 1 + rand(PIECES.len() as u64);
            for _ in 0..len {
                s.push_str(PIECES[rand(pool) as usize]);
            }
            assert_eq!(windowed(&s), scanned(&s), "{s:?}");
        }
    }

    #[test]
    fn long_runs_and_window_edges() {
        for n in 0..200 {
            for fill in ["a", " ", "\n", "1", "!", " a"] {
                for tail in ["", " ", "  ", "\n", "x", " x", "'s", "é", "  x"] {
                    let s = format!("{}{tail}", fill.repeat(n));
                    assert_eq!(windowed(&s), scanned(&s), "{s:?}");
                }
            }
        }
    }
}
