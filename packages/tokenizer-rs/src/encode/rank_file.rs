//! tiktoken rank files, whole: a `.tiktoken` file (rank lines only) or the JSON the `tiktoken` npm package
//! ships (`encoders/gpt2.json`: `bpe_ranks` lines, `special_tokens`, `pat_str`). The `bpe_ranks` string is
//! decoded straight from the file's bytes when its only escapes are line ends (every shipped file), so
//! GPT-2's 0.5 MB of ranks is never copied. The `pat_str` picks the pre-tokenizer (GPT-2's, cl100k_base's
//! or o200k_base's); any other pattern is refused rather than encoded wrongly. A `.tiktoken` file has no
//! pattern: its name does (`cl100k_base…`, `o200k_base…`; anything else is GPT-2's family).

use super::json::{quoted, Json, Kind, Syntax};
use super::ranks::parse_rank_lines;
use super::{Encoder, VocabTable};
use crate::error::{Error, Result};
use crate::pretokenize::{Pattern, CL100K_PAT_STR, O200K_PAT_STR};

/// The GPT-2 pre-tokenizer pattern as tiktoken writes it (gpt2, r50k_base, p50k_base, p50k_edit).
const GPT2_PAT_STR: &str = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

/// Tokens by rank (holes filled by special tokens) and the special tokens with their ids.
pub(crate) struct RankFile {
    pub tokens: VocabTable,
    pub specials: Vec<(String, u32)>,
    pub pattern: Pattern,
    /// The ids the file itself gives its special tokens.
    pub own_ids: Vec<u32>,
}

/// The scanner a tiktoken `pat_str` names, if this crate has it.
fn pattern_of(pat_str: &str) -> Option<Pattern> {
    match pat_str {
        GPT2_PAT_STR => Some(Pattern::Gpt2),
        CL100K_PAT_STR => Some(Pattern::Cl100k),
        O200K_PAT_STR => Some(Pattern::O200k),
        _ => None,
    }
}

/// More ids than gpt2/r50k_base (50,257) and p50k_base (50,281) have, with room to spare.
const GPT2_FAMILY_MAX_RANKS: usize = 60_000;

/// The scanner a `.tiktoken` file's name implies: tiktoken names its files after their encodings.
fn pattern_of_name(file: &str) -> Pattern {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    if base.starts_with("cl100k_base") {
        Pattern::Cl100k
    } else if base.starts_with("o200k_base") {
        Pattern::O200k
    } else {
        Pattern::Gpt2
    }
}

fn bad(why: String) -> Error {
    Error::RankJson { why }
}

fn not_json(e: Syntax) -> Error {
    bad(format!("not valid JSON ({e})"))
}

/// `(name, id)` pairs: the file's first, in its order, then `given` (a name already there takes the
/// given id in place), as JavaScript's `{ ...file, ...given }` orders them.
fn merged(file: Vec<(String, u32)>, given: &[(String, u32)]) -> Vec<(String, u32)> {
    let mut out = file;
    for (name, id) in given {
        match out.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = *id,
            None => out.push((name.clone(), *id)),
        }
    }
    out
}

/// A rank file (either kind, told apart by a leading `{`) with the caller's special tokens `given`;
/// errors name `file` (unless empty).
pub(crate) fn read_rank_file(text: &[u8], given: &[(String, u32)], file: &str) -> Result<RankFile> {
    read(text, given, file).map_err(|e| e.in_file(file))
}

fn read(text: &[u8], given: &[(String, u32)], file: &str) -> Result<RankFile> {
    if Json::new(text).kind() != Some(Kind::Object) {
        let tokens = parse_rank_lines(text, false, given)?;
        let pattern = pattern_of_name(file);
        // A `.tiktoken` file records no pattern. GPT-2's family has at most 50,281 ids; a larger file under
        // no known name is cl100k/o200k-sized, and GPT-2's scanner would give it wrong ids without a word.
        if pattern == Pattern::Gpt2 && tokens.len() > GPT2_FAMILY_MAX_RANKS {
            return Err(bad(format!(
                "{} ranks, more than any GPT-2-family encoding has, and a .tiktoken file does not record its \
                 pre-tokenizer pattern; name the encoding (a file named cl100k_base.tiktoken or \
                 o200k_base.tiktoken, or the encoding argument of Tokenizer.fromRankText) or load tiktoken's \
                 encoders/<name>.json, which carries pat_str",
                tokens.len()
            )));
        }
        return Ok(RankFile {
            tokens,
            specials: given.to_vec(),
            pattern,
            own_ids: Vec::new(),
        });
    }
    let json = NpmJson::read(text)?;
    let Some((at, body, simple)) = json.ranks else {
        return Err(bad(
            "expected a \"bpe_ranks\" string, as tiktoken's encoders/*.json have".into(),
        ));
    };
    let pattern = match json.pattern {
        Ok(p) => p,
        Err(p) => {
            return Err(bad(format!(
                "this encoding splits text with a pre-tokenizer pattern this tokenizer does not implement \
                 (pat_str {p}…); supported: the patterns of gpt2, r50k_base, p50k_base, p50k_edit, \
                 cl100k_base and o200k_base as tiktoken's encoders/*.json write them"
            )))
        }
    };
    if let Some(name) = json.no_id {
        return Err(bad(format!("special token {} has no id", quoted(&name))));
    }
    let own_ids = json.own.iter().map(|&(_, id)| id).collect();
    let specials = merged(json.own, given);
    let tokens = if simple {
        parse_rank_lines(body, true, &specials)?
    } else {
        // Other escapes (a `\/`, say): unescape the string first.
        let mut unescaped = String::new();
        Json::new(&text[at..]).string(&mut unescaped).map_err(not_json)?;
        parse_rank_lines(unescaped.as_bytes(), false, &specials)?
    };
    Ok(RankFile {
        tokens,
        specials,
        pattern,
        own_ids,
    })
}

/// The members of the npm package's encoder JSON that matter, as JSON.parse leaves them (the last of
/// repeated keys wins).
struct NpmJson<'a> {
    /// `bpe_ranks`: the offset of its opening quote, its body as written, whether its only escapes are
    /// line ends.
    ranks: Option<(usize, &'a [u8], bool)>,
    /// The scanner `pat_str` names (GPT-2's when absent), or the pattern as messages show it.
    pattern: std::result::Result<Pattern, String>,
    /// `special_tokens` with integer ids, and the first one without.
    own: Vec<(String, u32)>,
    no_id: Option<String>,
}

impl<'a> NpmJson<'a> {
    fn read(text: &'a [u8]) -> Result<NpmJson<'a>> {
        let mut json = NpmJson {
            ranks: None,
            pattern: Ok(Pattern::Gpt2),
            own: Vec::new(),
            no_id: None,
        };
        let mut r = Json::new(text);
        r.object(not_json, |key, r| {
            let kind = r.kind();
            let at = r.at();
            match (key, kind) {
                ("bpe_ranks", Some(Kind::String)) => {
                    let (body, simple) = r.raw_string().map_err(not_json)?;
                    json.ranks = Some((at, body, simple));
                }
                ("pat_str", Some(Kind::String)) => {
                    let mut p = String::new();
                    r.string(&mut p).map_err(not_json)?;
                    json.pattern = pattern_of(&p).ok_or_else(|| preview(&p));
                }
                ("pat_str", _) => {
                    r.skip().map_err(not_json)?;
                    json.pattern = Err(preview(&String::from_utf8_lossy(&text[at..r.at()])));
                }
                ("special_tokens", Some(Kind::Object)) => json.read_specials(r)?,
                ("bpe_ranks", _) => {
                    json.ranks = None;
                    r.skip().map_err(not_json)?;
                }
                _ => r.skip().map_err(not_json)?,
            }
            Ok(())
        })?;
        r.end().map_err(not_json)?;
        Ok(json)
    }

    fn read_specials(&mut self, r: &mut Json) -> Result<()> {
        (self.own, self.no_id) = (Vec::new(), None);
        r.object(not_json, |name, r| {
            match r.id().map_err(not_json)? {
                Some(id) => self.own.push((name.to_string(), id)),
                None => self.no_id = self.no_id.take().or_else(|| Some(name.to_string())),
            }
            Ok(())
        })
    }
}

/// The first 60 characters of a pattern, quoted.
fn preview(p: &str) -> String {
    quoted(&p.chars().take(60).collect::<String>())
}

impl Encoder {
    /// From a tiktoken rank file's bytes (see `read_rank_file`) and the caller's special tokens.
    pub(crate) fn from_rank_file(text: &[u8], given: &[(String, u32)], file: &str) -> Result<Encoder> {
        let f = read_rank_file(text, given, file)?;
        // Gaps between the file's own special ids are tiktoken's reserved ids (cl100k_base has them).
        let own_max = f.own_ids.iter().max().map_or(0, |&m| m + 1);
        let mut e = Encoder::from_rank_table_reserving(f.tokens, &f.specials, own_max)?;
        e.pattern = f.pattern;
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npm(ranks: &str, extra: &str) -> String {
        format!(
            "{{\"pat_str\": {}, \"bpe_ranks\": \"{ranks}\"{extra}}}",
            quoted(GPT2_PAT_STR)
        )
    }

    fn ids_of(f: &RankFile) -> Vec<Vec<u8>> {
        (0..f.tokens.len() as u32)
            .map(|i| f.tokens.get(i).unwrap().to_vec())
            .collect()
    }

    #[test]
    fn a_large_unnamed_tiktoken_file_is_refused_not_read_as_gpt2() {
        use std::fmt::Write;
        let b64 = |b: &[u8]| {
            const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let mut out = String::new();
            for c in b.chunks(3) {
                let n = c
                    .iter()
                    .enumerate()
                    .fold(0u32, |n, (i, &x)| n | (x as u32) << (16 - 8 * i));
                for i in 0..4 {
                    let ch = if i <= c.len() {
                        A[(n >> (18 - 6 * i) & 63) as usize]
                    } else {
                        b'='
                    };
                    out.push(ch as char);
                }
            }
            out
        };
        let mut text = String::new();
        let mut rank = 0;
        for b in 0..=255u8 {
            writeln!(text, "{} {rank}", b64(&[b])).unwrap();
            rank += 1;
        }
        'pairs: for a in 0..=255u8 {
            for b in 0..=255u8 {
                if rank > GPT2_FAMILY_MAX_RANKS {
                    break 'pairs;
                }
                writeln!(text, "{} {rank}", b64(&[a, b])).unwrap();
                rank += 1;
            }
        }
        let err = match read_rank_file(text.as_bytes(), &[], "ranks.tiktoken") {
            Ok(_) => panic!("a 60,001-rank unnamed file was read as GPT-2's"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("more than any GPT-2-family encoding"), "{err}");
        let named = read_rank_file(text.as_bytes(), &[], "dir/cl100k_base.tiktoken").unwrap();
        assert_eq!(named.pattern, Pattern::Cl100k);
        assert_eq!(named.tokens.len(), GPT2_FAMILY_MAX_RANKS + 1);
    }

    #[test]
    fn npm_json_escapes_specials_and_holes() {
        let json = npm(
            "! 0 YQ== Yg==\\n! 3 YWI=\\n",
            ", \"special_tokens\": {\"<e>\": 2}",
        );
        let f = read_rank_file(json.as_bytes(), &[("<x>".into(), 4)], "f.json").unwrap();
        let want: Vec<Vec<u8>> = vec![b"a".to_vec(), b"b".to_vec(), b"<e>".to_vec(), b"ab".to_vec()];
        assert_eq!(ids_of(&f), want);
        assert_eq!(f.specials, vec![("<e>".into(), 2), ("<x>".into(), 4)]);
        let slash = npm(
            "! 0 YQ== Yg==\\n! 3 YW\\/I=",
            ", \"special_tokens\": {\"<e>\": 2}",
        );
        assert_eq!(
            ids_of(&read_rank_file(slash.as_bytes(), &[], "s").unwrap())[3],
            b"ao\xc8".to_vec()
        );
    }

    /// Base64 of one byte: the 256 single-byte tokens of a real rank file.
    fn b64(b: u8) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        format!(
            "{}{}==",
            A[(b >> 2) as usize] as char,
            A[((b & 3) << 4) as usize] as char
        )
    }

    #[test]
    fn the_encoder_uses_filled_holes_and_given_specials() {
        // Bytes 0..255, a hole at 256 for "<e>", then "ab" at 257 (p50k_base's shape in miniature).
        let bytes: Vec<String> = (0..=255u8).map(b64).collect();
        let json = npm(
            &format!("! 0 {}\\n! 257 YWI=", bytes.join(" ")),
            ", \"special_tokens\": {\"<e>\": 256}",
        );
        let mut e = Encoder::from_rank_file(json.as_bytes(), &[("<x>".into(), 258)], "f.json").unwrap();
        assert_eq!(e.encode("ab<e><x>c"), vec![257, 256, 258, 99]);
    }

    #[test]
    fn errors_name_the_file() {
        let cases = [
            ("{", "f.json: not valid JSON (the text ends where a string was expected)"),
            ("{\"x\": 1}", "f.json: expected a \"bpe_ranks\" string, as tiktoken's encoders/*.json have"),
            (
                "{\"bpe_ranks\": \"! 0 YQ==\", \"special_tokens\": {\"<e>\": \"1\"}}",
                "f.json: special token \"<e>\" has no id",
            ),
            (
                "{\"bpe_ranks\": \"! 0 Y*==\"}",
                "f.json: rank file line 1: a token is not base64; expected tiktoken's \"base64token rank\" lines",
            ),
        ];
        for (text, want) in cases {
            let got = read_rank_file(text.as_bytes(), &[], "f.json").err().unwrap();
            assert_eq!(got.to_string(), want, "{text}");
        }
        let other = "{\"pat_str\": \"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+\", \"bpe_ranks\": \"\"}";
        let msg = read_rank_file(other.as_bytes(), &[], "c.json")
            .err()
            .unwrap()
            .to_string();
        assert!(
            msg.starts_with(
                "c.json: this encoding splits text with a pre-tokenizer pattern this tokenizer does not"
            ),
            "{msg}"
        );
        assert!(msg.contains("(pat_str \"(?i:'s|"), "{msg}");
        assert_eq!(
            read_rank_file(b"YQ== x", &[], "").err().unwrap().to_string(),
            "rank file line 1: a rank is not a non-negative integer; expected tiktoken's \"base64token rank\" lines"
        );
    }
}
