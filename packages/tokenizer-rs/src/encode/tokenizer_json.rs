//! Hugging Face `tokenizer.json` for a byte-level BPE: `model` must be `{"type": "BPE", "vocab": {...},
//! "merges": [...]}` (each merge `"left right"` or `["left", "right"]`); `added_tokens` are its special
//! tokens, and those kept out of `model.vocab` join it with their ids. The pipeline around the model
//! (normalizer, pre-tokenizer, post-processor, BPE options) must be what this encoder does
//! (`hf_pipeline`); the pre-tokenizer picks the pattern. Other members are skipped.

use super::files::{malformed, not_json, read_merges_txt, Merges};
use super::hf_pipeline::{
    check_normalizer, check_post_processor, model_option_refused, pattern_of_pre_tokenizer, Value,
};
use super::json::{lossy, quoted, Json, Kind};
use super::vocab_json::{read_vocab_json, Vocab};
use crate::error::Result;
use crate::pretokenize::Pattern;

/// What a Hugging Face `tokenizer.json` holds for a byte-level BPE: its model's vocab (plus added tokens
/// kept out of it, with their ids), merges, and special tokens (its added tokens, in order).
pub(crate) struct TokenizerJson {
    pub vocab: Vocab,
    pub merges: Merges,
    pub specials: Vec<String>,
    pub pattern: Pattern,
}

/// Reads `tokenizer.json`: `model` must be `{"type": "BPE", "vocab": {...}, "merges": [...]}`, each merge
/// `"left right"` or `["left", "right"]`; other members are skipped.
pub(crate) fn read_tokenizer_json(s: &[u8], file: &str) -> Result<TokenizerJson> {
    let mut model_type: Option<String> = None;
    let mut vocab_at: Option<usize> = None;
    let mut merges: Option<String> = None;
    let mut added: Vec<(String, Option<u32>)> = Vec::new();
    // Absent members take HF's defaults: no normalizer, no post-processor, no pre-tokenizer (refused).
    let (mut normalizer, mut pre, mut post) = (Value::Null, Value::Null, Value::Null);
    let mut refused: Option<String> = None;
    let mut r = Json::new(s);
    let shape = || {
        let why =
            "expected a Hugging Face tokenizer.json with a BPE model (model.type \"BPE\", vocab, merges)";
        malformed(file, None, why.into())
    };
    if r.kind() != Some(Kind::Object) {
        r.skip().map_err(not_json(file))?;
        r.end().map_err(not_json(file))?;
        return Err(shape());
    }
    r.object(not_json(file), |key, r| match key {
        "model" => {
            (model_type, vocab_at, merges) = (None, None, None);
            if r.kind() != Some(Kind::Object) {
                return r.skip().map_err(not_json(file));
            }
            r.object(not_json(file), |key, r| {
                match key {
                    "type" if r.kind() == Some(Kind::String) => {
                        let mut t = String::new();
                        r.string(&mut t).map_err(not_json(file))?;
                        model_type = Some(t);
                        return Ok(());
                    }
                    "vocab" => vocab_at = (!r.is_falsy()).then_some(r.at()),
                    "merges" if r.kind() == Some(Kind::Array) => {
                        merges = Some(read_merge_list(r, file)?);
                        return Ok(());
                    }
                    "type" => model_type = None,
                    "merges" => merges = None,
                    "dropout"
                    | "continuing_subword_prefix"
                    | "end_of_word_suffix"
                    | "byte_fallback"
                    | "ignore_merges" => {
                        let v = Value::read(r).map_err(not_json(file))?;
                        refused = refused.take().or_else(|| model_option_refused(key, &v));
                        return Ok(());
                    }
                    _ => {}
                }
                r.skip().map_err(not_json(file))
            })
        }
        "added_tokens" => {
            added.clear();
            if r.kind() != Some(Kind::Array) {
                return r.skip().map_err(not_json(file));
            }
            r.array(not_json(file), |i, r| {
                added.push(read_added_token(r, i, file)?);
                Ok(())
            })
        }
        "normalizer" => {
            normalizer = Value::read(r).map_err(not_json(file))?;
            Ok(())
        }
        "pre_tokenizer" => {
            pre = Value::read(r).map_err(not_json(file))?;
            Ok(())
        }
        "post_processor" => {
            post = Value::read(r).map_err(not_json(file))?;
            Ok(())
        }
        _ => r.skip().map_err(not_json(file)),
    })?;
    r.end().map_err(not_json(file))?;
    let (Some("BPE"), Some(vocab_at), Some(merges)) = (model_type.as_deref(), vocab_at, merges) else {
        return Err(shape());
    };
    let pattern = check_normalizer(&normalizer)
        .and_then(|()| check_post_processor(&post))
        .and_then(|()| refused.map_or(Ok(()), Err))
        .and_then(|()| pattern_of_pre_tokenizer(&pre))
        .map_err(|why| malformed(file, None, why))?;
    let specials: Vec<String> = added.iter().map(|(t, _)| t.clone()).collect();
    let mut span = Json::new(&s[vocab_at..]);
    span.skip().map_err(not_json(file))?;
    let mut vocab = read_vocab_json(&s[vocab_at..vocab_at + span.at()], &specials, file)?;
    check_added_ids(&mut vocab, &added, file)?;
    let merges = read_merges_txt(merges.as_bytes(), file)?;
    Ok(TokenizerJson {
        vocab,
        merges,
        specials,
        pattern,
    })
}

/// HF files may keep added tokens out of model.vocab; their ids live on the added_tokens entries, which
/// then join the vocab. An added token in model.vocab must have the same id in both places, and one kept
/// out must take an id model.vocab leaves free, within the ids the two fields make together.
fn check_added_ids(vocab: &mut Vocab, added: &[(String, Option<u32>)], file: &str) -> Result<()> {
    let model_len = vocab.len();
    let kept_out = added
        .iter()
        .filter(|(c, _)| !vocab.entries().any(|(_, t)| t == c.as_bytes()))
        .count();
    for (i, (content, id)) in added.iter().enumerate() {
        let Some(id) = *id else { continue };
        let have = vocab
            .entries()
            .find(|(_, t)| *t == content.as_bytes())
            .map(|(v, _)| v);
        let why = match have {
            Some(v) if v == id => continue,
            Some(v) => format!("has id {id}, but model.vocab gives it id {v}; make the two ids agree"),
            None if vocab.has_id(id) => {
                let other = vocab
                    .entries()
                    .find(|&(v, _)| v == id)
                    .map(|(_, t)| lossy(t))
                    .unwrap_or_default();
                format!(
                    "has id {id}, which model.vocab gives to {}; give it a free id",
                    quoted(&other)
                )
            }
            None if (id as usize) < model_len + kept_out => {
                vocab.push(id, content.as_bytes());
                continue;
            }
            None => format!(
                "has id {id}, outside the vocab (model.vocab holds ids 0..{}, so the next free id is {})",
                model_len as i64 - 1,
                vocab.len()
            ),
        };
        return Err(malformed(
            file,
            None,
            format!("added_tokens[{i}] {} {why}", quoted(content)),
        ));
    }
    Ok(())
}

/// The merges array as merges.txt text (one per line, a pair joined by a space): the form the wrapper's
/// loader parsed it in.
fn read_merge_list(r: &mut Json, file: &str) -> Result<String> {
    let mut text = String::new();
    let mut item = String::new();
    let bad = || {
        let why = "model.merges must hold \"left right\" strings or [left, right] pairs of strings";
        malformed(file, None, why.into())
    };
    r.array(not_json(file), |i, r| {
        if i > 0 {
            text.push('\n');
        }
        match r.kind() {
            Some(Kind::String) => {
                r.string(&mut item).map_err(not_json(file))?;
                text.push_str(&item);
                Ok(())
            }
            Some(Kind::Array) => r.array(not_json(file), |j, r| {
                if r.kind() != Some(Kind::String) {
                    return Err(bad());
                }
                r.string(&mut item).map_err(not_json(file))?;
                if j > 0 {
                    text.push(' ');
                }
                text.push_str(&item);
                Ok(())
            }),
            _ => Err(bad()),
        }
    })?;
    Ok(text)
}

/// One `added_tokens` entry: its content and, when it is a non-negative integer, its id.
fn read_added_token(r: &mut Json, i: usize, file: &str) -> Result<(String, Option<u32>)> {
    let mut content: Option<String> = None;
    let mut id = None;
    r.object(not_json(file), |key, r| {
        match key {
            "content" if r.kind() == Some(Kind::String) => {
                let mut c = String::new();
                r.string(&mut c).map_err(not_json(file))?;
                content = Some(c);
            }
            "id" => id = r.id().map_err(not_json(file))?,
            _ => r.skip().map_err(not_json(file))?,
        }
        Ok(())
    })?;
    let content = content
        .ok_or_else(|| malformed(file, None, format!("added_tokens[{i}] has no \"content\" string")))?;
    Ok((content, id))
}

#[cfg(test)]
mod tests {
    use super::super::files::test_files::{byte_vocab, err, tokens};
    use super::super::Encoder;
    use super::*;

    #[test]
    fn tokenizer_json_model_added_tokens_and_specials() {
        let vocab = byte_vocab("\"Ġt\": 256, \"<|eot|>\": 257");
        let doc = format!(
            r#"{{"version": "1.0", "pre_tokenizer": {{"type": "ByteLevel", "add_prefix_space": false}}, "added_tokens": [{{"id": 257, "content": "<|eot|>", "special": true}},
               {{"id": 258, "content": "<pad>"}}], "model": {{"type": "BPE", "dropout": null,
               "vocab": {vocab}, "merges": [["Ġ", "t"]]}}}}"#
        );
        let t = read_tokenizer_json(doc.as_bytes(), "tok.json").unwrap();
        assert_eq!(t.specials, vec!["<|eot|>", "<pad>"]);
        assert_eq!(tokens(&t.vocab)[258], (258, b"<pad>".to_vec()));
        let mut e = Encoder::from_tokenizer_json(doc.as_bytes(), &["<pad>".into()], "tok.json").unwrap();
        assert_eq!(e.encode(" t<pad><|eot|>"), vec![256, 258, 257]);
        assert_eq!(
            err(Encoder::from_tokenizer_json(
                doc.as_bytes(),
                &["<x>".into(), "<y>".into()],
                "tok.json"
            )),
            "special tokens \"<x>\", \"<y>\" not in tok.json (its special tokens: \"<|eot|>\", \"<pad>\"); \
             retrain with them or drop the flag"
        );
        let shape = "tok.json: expected a Hugging Face tokenizer.json with a BPE model (model.type \"BPE\", \
                     vocab, merges)";
        for bad in [
            r#"{"model": {"type": "WordPiece", "vocab": {}, "merges": []}}"#,
            r#"{"model": null}"#,
            "[]",
        ] {
            assert_eq!(
                err(read_tokenizer_json(bad.as_bytes(), "tok.json")),
                shape,
                "{bad}"
            );
        }
    }

    #[test]
    fn added_token_ids_must_agree_with_the_vocab() {
        let doc = |vocab_extra: &str, id: u32| {
            let vocab = byte_vocab(vocab_extra);
            format!(
                r#"{{"pre_tokenizer": {{"type": "ByteLevel", "add_prefix_space": false}},
                   "added_tokens": [{{"id": {id}, "content": "<|eot|>"}}],
                   "model": {{"type": "BPE", "vocab": {vocab}, "merges": []}}}}"#
            )
        };
        let read = |d: String| err(read_tokenizer_json(d.as_bytes(), "tok.json"));
        assert_eq!(
            read(doc("\"<|eot|>\": 256", 5)),
            "tok.json: added_tokens[0] \"<|eot|>\" has id 5, but model.vocab gives it id 256; make the two \
             ids agree"
        );
        assert_eq!(
            read(doc("", 300)),
            "tok.json: added_tokens[0] \"<|eot|>\" has id 300, outside the vocab (model.vocab holds ids \
             0..255, so the next free id is 256)"
        );
        assert_eq!(
            read(doc("", 7)),
            "tok.json: added_tokens[0] \"<|eot|>\" has id 7, which model.vocab gives to \"\\u0007\"; give it a \
             free id"
        );
        assert!(read_tokenizer_json(doc("", 256).as_bytes(), "tok.json").is_ok());
    }
}
