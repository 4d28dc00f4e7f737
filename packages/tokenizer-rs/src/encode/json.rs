//! A pull reader for the JSON in tokenizer files (vocab.json, tokenizer.json, tiktoken's encoder JSON):
//! RFC 8259 as JSON.parse reads it (every escape, surrogate pairs, any number form), one value at a time
//! with no tree, so a 50k-entry vocab is one pass. The callers give meaning to what they read: duplicate
//! keys, for one, are theirs to resolve (JSON.parse keeps the last value).

use core::fmt;

/// Where and why the text stopped being JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Syntax {
    pub at: usize,
    pub found: Option<u8>,
    pub expected: &'static str,
}

impl fmt::Display for Syntax {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.found {
            None => write!(f, "the text ends where {} was expected", self.expected),
            Some(c) if c.is_ascii_graphic() => {
                write!(
                    f,
                    "unexpected '{}' at byte {}, expected {}",
                    c as char, self.at, self.expected
                )
            }
            Some(c) => write!(
                f,
                "unexpected byte 0x{c:02x} at byte {}, expected {}",
                self.at, self.expected
            ),
        }
    }
}

pub(crate) type Parsed<T> = core::result::Result<T, Syntax>;

/// Bytes that end a run of plain string characters: the quote, the backslash, control characters.
const STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// Length of the run of plain string characters at the start of `s`. Out of line and small: a GPT-2
/// vocab or rank file spends its load here, before the engine has optimized anything, and the
/// optimizing tier recompiles whichever function holds a hot loop (bench/RESULTS.md, encode).
#[inline(never)]
fn plain_run(s: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    // Eight bytes at a time while none is a stop byte (the classic "has a zero / smaller byte" tests:
    // exact for whether one exists), then byte by byte to find it.
    while i + 8 <= s.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&s[i..i + 8]);
        let w = u64::from_le_bytes(word);
        let (q, b) = (w ^ (ONES * b'"' as u64), w ^ (ONES * b'\\' as u64));
        let stop =
            (q.wrapping_sub(ONES) & !q) | (b.wrapping_sub(ONES) & !b) | (w.wrapping_sub(ONES * 0x20) & !w);
        if stop & HIGH != 0 {
            break;
        }
        i += 8;
    }
    while i < s.len() && !STOP[s[i] as usize] {
        i += 1;
    }
    i
}

/// What kind of value comes next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Object,
    Array,
    String,
    Other,
}

const OPEN_OBJECT: u8 = b'{';
const OPEN_ARRAY: u8 = b'[';
const QUOTE: u8 = b'"';

/// Deepest nesting of arrays and objects read. Each level is a call frame (`skip`, pipeline values), so
/// without a bound a file of nested brackets overflows the stack; tokenizer files nest a few levels.
pub(crate) const MAX_DEPTH: usize = 512;

pub(crate) struct Json<'a> {
    s: &'a [u8],
    i: usize,
    key_at: usize,
    /// Arrays and objects open at the cursor.
    depth: usize,
}

impl<'a> Json<'a> {
    pub fn new(s: &'a [u8]) -> Json<'a> {
        Json {
            s,
            i: 0,
            key_at: 0,
            depth: 0,
        }
    }

    /// Byte offset of the cursor.
    pub fn at(&self) -> usize {
        self.i
    }

    /// Byte offset of the key of the member being read (its opening quote), to quote it in an error.
    pub fn key_at(&self) -> usize {
        self.key_at
    }

    fn ws(&mut self) {
        while matches!(self.s.get(self.i), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.i += 1;
        }
    }

    #[cold]
    fn fail<T>(&self, expected: &'static str) -> Parsed<T> {
        Err(Syntax {
            at: self.i,
            found: self.s.get(self.i).copied(),
            expected,
        })
    }

    /// The first byte of the next value (after whitespace), without consuming it.
    pub fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.get(self.i).copied()
    }

    /// The kind of the next value (after whitespace); None at the end of the text.
    pub fn kind(&mut self) -> Option<Kind> {
        self.peek().map(|c| match c {
            OPEN_OBJECT => Kind::Object,
            OPEN_ARRAY => Kind::Array,
            QUOTE => Kind::String,
            _ => Kind::Other,
        })
    }

    fn eat(&mut self, c: u8, expected: &'static str) -> Parsed<()> {
        if self.peek() != Some(c) {
            return self.fail(expected);
        }
        self.i += 1;
        Ok(())
    }

    /// Nothing but whitespace is left.
    pub fn end(&mut self) -> Parsed<()> {
        if self.peek().is_some() {
            return self.fail("the end of the text");
        }
        Ok(())
    }

    /// Enters an array or object whose opening bracket was just read.
    fn nest(&mut self) -> Parsed<()> {
        if self.depth == MAX_DEPTH {
            self.i -= 1;
            return self.fail("at most 512 nested arrays and objects");
        }
        self.depth += 1;
        Ok(())
    }

    /// Calls `member(key, reader)` for each member of the object at the cursor; `member` reads the value.
    /// Errors of the caller's own type pass through: a syntax error becomes one through `syntax`.
    pub fn object<E>(
        &mut self,
        syntax: impl Fn(Syntax) -> E,
        mut member: impl FnMut(&str, &mut Json<'a>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.eat(b'{', "'{'").map_err(&syntax)?;
        self.nest().map_err(&syntax)?;
        let read = self.members(&syntax, &mut member);
        self.depth -= 1;
        read
    }

    fn members<E>(
        &mut self,
        syntax: &impl Fn(Syntax) -> E,
        member: &mut impl FnMut(&str, &mut Json<'a>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut key = String::new();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(());
        }
        loop {
            self.peek();
            let key_at = self.i;
            self.string(&mut key).map_err(&syntax)?;
            self.eat(b':', "':'").map_err(&syntax)?;
            self.key_at = key_at;
            member(&key, self)?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                _ => return self.fail("',' or '}'").map_err(syntax),
            }
        }
    }

    /// Calls `item(index, reader)` for each element of the array at the cursor; `item` reads the value.
    pub fn array<E>(
        &mut self,
        syntax: impl Fn(Syntax) -> E,
        mut item: impl FnMut(usize, &mut Json<'a>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.eat(b'[', "'['").map_err(&syntax)?;
        self.nest().map_err(&syntax)?;
        let read = self.items(&syntax, &mut item);
        self.depth -= 1;
        read
    }

    fn items<E>(
        &mut self,
        syntax: &impl Fn(Syntax) -> E,
        item: &mut impl FnMut(usize, &mut Json<'a>) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.peek() == Some(b']') {
            self.i += 1;
            return Ok(());
        }
        for n in 0.. {
            item(n, self)?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    break;
                }
                _ => return self.fail("',' or ']'").map_err(syntax),
            }
        }
        Ok(())
    }

    /// The string at the cursor, unescaped into `out`. Invalid UTF-8 reads as U+FFFD (as a file decoded
    /// to text first would); a lone surrogate escape too (Rust strings cannot hold one).
    pub fn string(&mut self, out: &mut String) -> Parsed<()> {
        out.clear();
        self.eat(b'"', "a string")?;
        loop {
            let run = plain_run(&self.s[self.i..]);
            out.push_str(&lossy(&self.s[self.i..self.i + run]));
            self.i += run;
            match self.s.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = self.escape()?;
                    out.push(c);
                }
                Some(_) => return self.fail("a character (control characters must be escaped)"),
                None => return self.fail("'\"'"),
            }
        }
    }

    /// One escape after its backslash.
    #[inline(never)]
    fn escape(&mut self) -> Parsed<char> {
        let c = match self.s.get(self.i) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.i += 1;
                let hi = self.hex4()?;
                if (0xd800..0xdc00).contains(&hi) && self.s[self.i..].starts_with(b"\\u") {
                    let save = self.i;
                    self.i += 2;
                    let lo = self.hex4()?;
                    if (0xdc00..0xe000).contains(&lo) {
                        let cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                        return Ok(char::from_u32(cp).unwrap_or('\u{fffd}'));
                    }
                    self.i = save;
                }
                return Ok(char::from_u32(hi).unwrap_or('\u{fffd}'));
            }
            _ => return self.fail("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)"),
        };
        self.i += 1;
        Ok(c)
    }

    fn hex4(&mut self) -> Parsed<u32> {
        let digits = self.s.get(self.i..self.i + 4).unwrap_or_default();
        match core::str::from_utf8(digits)
            .ok()
            .and_then(|h| u32::from_str_radix(h, 16).ok())
        {
            Some(v) if digits.len() == 4 && digits.iter().all(u8::is_ascii_hexdigit) => {
                self.i += 4;
                Ok(v)
            }
            _ => self.fail("four hex digits"),
        }
    }

    /// The string at the cursor as it sits in the text (between its quotes, escapes and all), and whether
    /// every escape in it is `\n` or `\r`: such a body can be read line by line without unescaping.
    pub fn raw_string(&mut self) -> Parsed<(&'a [u8], bool)> {
        self.eat(b'"', "a string")?;
        let start = self.i;
        let mut only_line_ends = true;
        loop {
            self.i += plain_run(&self.s[self.i..]);
            match self.s.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok((&self.s[start..self.i - 1], only_line_ends));
                }
                Some(b'\\') => {
                    only_line_ends &= matches!(self.s.get(self.i + 1), Some(b'n' | b'r'));
                    self.i += 1;
                    self.escape()?;
                }
                Some(_) => return self.fail("a character (control characters must be escaped)"),
                None => return self.fail("'\"'"),
            }
        }
    }

    /// The number at the cursor (JSON's grammar: `-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`), as a double.
    /// Out of line, as `skip` is: float parsing is a lot of code, and a hot loop that inlined it would
    /// cost the engine's optimizing tier that much more to compile.
    #[inline(never)]
    pub fn number(&mut self) -> Parsed<f64> {
        self.ws();
        let start = self.i;
        let digits = |r: &mut Json| {
            let n = r.s[r.i..].iter().take_while(|c| c.is_ascii_digit()).count();
            r.i += n;
            n
        };
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.s.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return self.fail("a number"),
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return self.fail("a digit");
            }
        }
        if matches!(self.s.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.s.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return self.fail("a digit");
            }
        }
        let text = core::str::from_utf8(&self.s[start..self.i]).unwrap_or_default();
        Ok(text.parse().unwrap_or(f64::NAN))
    }

    /// A value that should be an id: Some for a non-negative integer (Number.isInteger(n) && n >= 0) that
    /// fits 32 bits, None for any other value (read past).
    pub fn id(&mut self) -> Parsed<Option<u32>> {
        if !matches!(self.peek(), Some(b'-' | b'0'..=b'9')) {
            self.skip()?;
            return Ok(None);
        }
        // Plain digits (every id in a real file) fold straight into an integer: parsing a double is
        // most of a vocab.json load in the engine's first tier.
        let digits = self.s[self.i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let after = self.s.get(self.i + digits);
        if (1..=9).contains(&digits)
            && (digits == 1 || self.s[self.i] != b'0')
            && !matches!(after, Some(b'.' | b'e' | b'E'))
        {
            let n = self.s[self.i..self.i + digits]
                .iter()
                .fold(0u32, |n, &d| n * 10 + (d - b'0') as u32);
            self.i += digits;
            return Ok(Some(n));
        }
        let n = self.number()?;
        Ok((n.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&n)).then_some(n as u32))
    }

    /// Skips the value at the cursor, checking its syntax.
    #[inline(never)]
    pub fn skip(&mut self) -> Parsed<()> {
        match self.peek() {
            Some(b'{') => self.object(|e| e, |_, r| r.skip()),
            Some(b'[') => self.array(|e| e, |_, r| r.skip()),
            Some(b'"') => self.raw_string().map(|_| ()),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            _ => self.number().map(|_| ()),
        }
    }

    fn literal(&mut self, word: &'static [u8]) -> Parsed<()> {
        if !self.s[self.i..].starts_with(word) {
            return self.fail("a value");
        }
        self.i += word.len();
        Ok(())
    }

    /// Whether the value at the cursor is one JavaScript counts as false (`null`, `false`, `0`, `""`);
    /// reads nothing.
    pub fn is_falsy(&mut self) -> bool {
        let rest = match self.peek() {
            Some(_) => &self.s[self.i..],
            None => return true,
        };
        rest.starts_with(b"null")
            || rest.starts_with(b"false")
            || rest.starts_with(b"\"\"")
            || Json::new(rest).number().is_ok_and(|n| n == 0.0)
    }
}

/// `b` as text, invalid UTF-8 as U+FFFD. Valid text (all of it, in practice) takes `from_utf8`'s fast
/// ASCII path; the lossy decoder checks byte by byte, which showed in a cold vocab.json load.
pub(crate) fn lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    match core::str::from_utf8(b) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => std::borrow::Cow::Owned(replaced(b)),
    }
}

#[cold]
#[inline(never)]
fn replaced(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `s` as JSON.stringify writes a string: in quotes, with `"`, `\` and control characters escaped.
pub(crate) fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(s: &str) -> Parsed<String> {
        let mut out = String::new();
        Json::new(s.as_bytes()).string(&mut out).map(|_| out)
    }

    #[test]
    fn strings_numbers_and_skipping_as_json_parse_reads_them() {
        assert_eq!(
            string(r#""a\"\\\/\b\f\n\r\t\u00e9""#).unwrap(),
            "a\"\\/\u{8}\u{c}\n\r\té"
        );
        assert_eq!(string(r#""\ud83d\ude42 \ud800x""#).unwrap(), "🙂 \u{fffd}x");
        assert!(string(r#""\x""#).is_err());
        assert!(string("\"a\nb\"").is_err());
        assert!(string("\"open").is_err());
        for (text, want) in [
            ("0", 0.0),
            ("-0", 0.0),
            ("256.0", 256.0),
            ("2.56e2", 256.0),
            ("1E+3", 1000.0),
        ] {
            assert_eq!(Json::new(text.as_bytes()).number(), Ok(want), "{text}");
        }
        for bad in ["01x", "+1", ".5", "1.", "1e", "-"] {
            let mut r = Json::new(bad.as_bytes());
            assert!(r.number().is_err() || r.end().is_err(), "{bad}");
        }
        let doc = br#" {"a": [1, {"b": null}, "c\"", true, false], "d": -2.5e-3} "#;
        let mut r = Json::new(doc);
        assert_eq!(r.skip().and_then(|_| r.end()), Ok(()));
        let mut r = Json::new(br#"{"a": 1,}"#);
        assert_eq!(r.skip().unwrap_err().expected, "a string");
        let (body, simple) = Json::new(br#""YQ== 0\nYg== 1\r\n""#).raw_string().unwrap();
        assert_eq!((body, simple), (&br"YQ== 0\nYg== 1\r\n"[..], true));
        assert!(!Json::new(br#""a\/b""#).raw_string().unwrap().1);
        assert_eq!(quoted("a\"\\\n\u{1}é"), r#""a\"\\\n\u0001é""#);
    }

    #[test]
    fn deep_nesting_is_a_syntax_error_not_a_stack_overflow() {
        // A corrupt or hostile file of nested brackets must get a message: recursion per level
        // overflowed the stack (a crash natively, a trap in WASM, whose stack is 1 MiB).
        let run = |text: Vec<u8>| {
            std::thread::Builder::new()
                .stack_size(1 << 20)
                .spawn(move || {
                    let mut r = Json::new(&text);
                    r.skip().and_then(|_| r.end())
                })
                .unwrap()
                .join()
                .unwrap()
        };
        for open in [b'[', b'{'] {
            let deep: Vec<u8> = if open == b'[' {
                b"[".repeat(1_000_000)
            } else {
                b"{\"a\":".repeat(300_000)
            };
            let e = run(deep).unwrap_err();
            assert_eq!(e.expected, "at most 512 nested arrays and objects");
            assert_eq!(e.at, if open == b'[' { 512 } else { 512 * 5 });
        }
        let ok = [&b"[".repeat(MAX_DEPTH)[..], &b"]".repeat(MAX_DEPTH)[..]].concat();
        assert_eq!(run(ok), Ok(()));
        // The tokenizer.json pipeline members are read as values, through the same bound.
        let file = [&br#"{"pre_tokenizer": "#[..], &b"[".repeat(1_000_000)[..]].concat();
        let err = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || crate::encode::tokenizer_json::read_tokenizer_json(&file, "t.json").err())
            .unwrap()
            .join()
            .unwrap();
        let msg = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg.contains("expected at most 512 nested arrays and objects"),
            "{msg}"
        );
    }

    #[test]
    fn plain_runs_stop_at_the_first_quote_backslash_or_control_byte() {
        let text = b"abcdefghijklmnopqrstuvwxyz\xc3\xa9\x7f~ ";
        for stop in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
            for at in 0..text.len() {
                let mut s = text.to_vec();
                s.insert(at, stop);
                assert_eq!(plain_run(&s), at, "{stop} at {at}");
            }
        }
        assert_eq!(plain_run(text), text.len());
    }
}
