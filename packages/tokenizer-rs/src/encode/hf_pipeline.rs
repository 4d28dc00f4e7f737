//! What a Hugging Face `tokenizer.json` asks of the pipeline around its BPE model (normalizer,
//! pre-tokenizer, post-processor, model options), checked against what this encoder does: byte-level
//! pre-tokenization with GPT-2's, cl100k_base's or o200k_base's pattern and nothing else. Anything else
//! is refused naming the field, so such a file never loads and silently gives other ids than HF's.

use super::json::{quoted, Json, Kind, Syntax};
use crate::pretokenize::{Pattern, CL100K_PAT_STR, O200K_PAT_STR};

/// A JSON value, small enough to hold the pipeline members (their vocabularies are elsewhere).
#[derive(Debug, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number,
    Str(String),
    Arr(Vec<Value>),
    Obj(Vec<(String, Value)>),
}

impl Value {
    pub(crate) fn read(r: &mut Json) -> Result<Value, Syntax> {
        Ok(match r.kind() {
            Some(Kind::Object) => {
                let mut members = Vec::new();
                r.object(
                    |e| e,
                    |k, r| {
                        members.push((k.to_string(), Value::read(r)?));
                        Ok(())
                    },
                )?;
                Value::Obj(members)
            }
            Some(Kind::Array) => {
                let mut items = Vec::new();
                r.array(
                    |e| e,
                    |_, r| {
                        items.push(Value::read(r)?);
                        Ok(())
                    },
                )?;
                Value::Arr(items)
            }
            Some(Kind::String) => {
                let mut s = String::new();
                r.string(&mut s)?;
                Value::Str(s)
            }
            _ => {
                let v = match r.peek() {
                    Some(b't') => Value::Bool(true),
                    Some(b'f') => Value::Bool(false),
                    Some(b'n') => Value::Null,
                    _ => Value::Number,
                };
                r.skip()?;
                v
            }
        })
    }

    /// The member `key` of an object (the last of repeated keys, as JSON.parse keeps).
    fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Obj(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn str_of(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(Value::Str(s)) => Some(s),
            _ => None,
        }
    }

    /// A boolean member, `default` when absent (serde's default for the field in HF `tokenizers`).
    fn flag(&self, key: &str, default: bool) -> Option<bool> {
        match self.get(key) {
            None => Some(default),
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    fn kind_name(&self) -> String {
        match (self, self.str_of("type")) {
            (Value::Null, _) => "null".into(),
            (_, Some(t)) => quoted(t),
            _ => "one without a \"type\"".into(),
        }
    }
}

/// `normalizer`: none, or an empty Sequence.
pub(crate) fn check_normalizer(v: &Value) -> Result<(), String> {
    match v {
        Value::Null => Ok(()),
        v if v.str_of("type") == Some("Sequence") && v.get("normalizers") == Some(&Value::Arr(vec![])) => {
            Ok(())
        }
        v => Err(format!(
            "normalizer is {}; this tokenizer encodes the text as given (supported: null or an empty \
             Sequence)",
            v.kind_name()
        )),
    }
}

/// The pattern a `pre_tokenizer` amounts to: ByteLevel (use_regex true, add_prefix_space false), or
/// Split on GPT-2's, cl100k_base's or o200k_base's pattern (Isolated, not inverted) then ByteLevel
/// (use_regex false, add_prefix_space false), either alone or in a Sequence.
pub(crate) fn pattern_of_pre_tokenizer(v: &Value) -> Result<Pattern, String> {
    const SUPPORTED: &str = "supported: ByteLevel with use_regex true, or a Sequence of a Split (behavior \
                             Isolated) on GPT-2's, cl100k_base's or o200k_base's pattern and a ByteLevel \
                             with use_regex false; add_prefix_space false";
    let steps: Vec<&Value> = match (v.str_of("type"), v.get("pretokenizers")) {
        (Some("Sequence"), Some(Value::Arr(items))) => items.iter().collect(),
        _ => vec![v],
    };
    let byte_level = |b: &Value, regex: bool| -> Result<(), String> {
        if b.str_of("type") != Some("ByteLevel") {
            return Err(format!("pre_tokenizer is {}; {SUPPORTED}", b.kind_name()));
        }
        if b.flag("add_prefix_space", true) != Some(false) {
            return Err(format!(
                "pre_tokenizer ByteLevel add_prefix_space is not false (HF then adds a space before the \
                 text, which this tokenizer does not); {SUPPORTED}"
            ));
        }
        if b.flag("use_regex", true) != Some(regex) {
            return Err(format!(
                "pre_tokenizer ByteLevel use_regex is not {regex} here; {SUPPORTED}"
            ));
        }
        Ok(())
    };
    match steps[..] {
        [b] => byte_level(b, true).map(|()| Pattern::Gpt2),
        [split, b] if split.str_of("type") == Some("Split") => {
            let pattern = match split.get("pattern").and_then(|p| p.str_of("Regex")) {
                Some(GPT2_HF) => Pattern::Gpt2,
                Some(CL100K_PAT_STR) => Pattern::Cl100k,
                Some(O200K_PAT_STR) => Pattern::O200k,
                Some(p) => {
                    let p: String = p.chars().take(60).collect();
                    return Err(format!(
                        "pre_tokenizer Split pattern {}… is not implemented; {SUPPORTED}",
                        quoted(&p)
                    ));
                }
                None => {
                    return Err(format!(
                        "pre_tokenizer Split has no pattern.Regex string; {SUPPORTED}"
                    ))
                }
            };
            if split.str_of("behavior") != Some("Isolated") || split.flag("invert", false) != Some(false) {
                return Err(format!(
                    "pre_tokenizer Split is not behavior Isolated, invert false; {SUPPORTED}"
                ));
            }
            byte_level(b, false).map(|()| pattern)
        }
        [] => Err(format!("pre_tokenizer is an empty Sequence; {SUPPORTED}")),
        _ => Err(format!("pre_tokenizer is {}; {SUPPORTED}", v.kind_name())),
    }
}

/// GPT-2's pattern as HF's ByteLevel writes it (tiktoken's, with the contractions in one group).
const GPT2_HF: &str = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

/// `post_processor`: none, ByteLevel (offsets only), TemplateProcessing whose `single` template is the
/// sequence alone, or a Sequence of those. Others add tokens to every encoding.
pub(crate) fn check_post_processor(v: &Value) -> Result<(), String> {
    const SUPPORTED: &str = "this tokenizer adds no tokens around the text (supported: null, ByteLevel, \
                             TemplateProcessing whose single template is $A alone)";
    match (v, v.str_of("type")) {
        (Value::Null, _) | (_, Some("ByteLevel")) => Ok(()),
        (_, Some("Sequence")) => match v.get("processors") {
            Some(Value::Arr(items)) => items.iter().try_for_each(check_post_processor),
            _ => Err(format!(
                "post_processor Sequence has no processors list; {SUPPORTED}"
            )),
        },
        (_, Some("TemplateProcessing")) => match v.get("single") {
            Some(Value::Arr(items)) if items.len() == 1 && items[0].get("Sequence").is_some() => Ok(()),
            _ => Err(format!(
                "post_processor TemplateProcessing adds tokens to its single template; {SUPPORTED}"
            )),
        },
        _ => Err(format!("post_processor is {}; {SUPPORTED}", v.kind_name())),
    }
}

/// One member of `model` this encoder cannot honour when set, or None.
pub(crate) fn model_option_refused(key: &str, v: &Value) -> Option<String> {
    let unset = match key {
        "dropout" => matches!(v, Value::Null),
        "continuing_subword_prefix" | "end_of_word_suffix" => {
            matches!(v, Value::Null) || *v == Value::Str(String::new())
        }
        "byte_fallback" | "ignore_merges" => matches!(v, Value::Null | Value::Bool(false)),
        _ => true,
    };
    (!unset).then(|| {
        format!(
            "model.{key} is set; this tokenizer implements plain byte-level BPE (supported: dropout null, \
             continuing_subword_prefix and end_of_word_suffix null or \"\", byte_fallback and ignore_merges \
             false)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::super::files::test_files::{byte_vocab, err};
    use super::super::tokenizer_json::read_tokenizer_json;
    use super::*;

    const BYTE_LEVEL: &str =
        r#"{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}"#;

    /// A tokenizer.json with these members besides the model.
    fn doc(members: &str) -> String {
        let vocab = byte_vocab("");
        format!(r#"{{{members}, "model": {{"type": "BPE", "vocab": {vocab}, "merges": []}}}}"#)
    }

    fn split(pattern: &str, behavior: &str) -> String {
        format!(
            r#""pre_tokenizer": {{"type": "Sequence", "pretokenizers": [{{"type": "Split", "pattern": {{"Regex": {}}},
               "behavior": "{behavior}", "invert": false}}, {{"type": "ByteLevel", "add_prefix_space": false,
               "use_regex": false}}]}}"#,
            quoted(pattern)
        )
    }

    #[test]
    fn accepted_pipelines_pick_their_pattern() {
        let cases = [
            (
                format!(
                    r#""pre_tokenizer": {BYTE_LEVEL}, "normalizer": null, "post_processor": {BYTE_LEVEL}"#
                ),
                Pattern::Gpt2,
            ),
            (split(GPT2_HF, "Isolated"), Pattern::Gpt2),
            (split(CL100K_PAT_STR, "Isolated"), Pattern::Cl100k),
            (split(O200K_PAT_STR, "Isolated"), Pattern::O200k),
            (
                format!(
                    r#""pre_tokenizer": {{"type": "Sequence", "pretokenizers": [{BYTE_LEVEL}]}},
                       "normalizer": {{"type": "Sequence", "normalizers": []}},
                       "post_processor": {{"type": "TemplateProcessing", "single": [{{"Sequence": {{"id": "A", "type_id": 0}}}}]}}"#
                ),
                Pattern::Gpt2,
            ),
        ];
        for (members, want) in cases {
            let t = read_tokenizer_json(doc(&members).as_bytes(), "t.json").unwrap();
            assert_eq!(t.pattern, want, "{members}");
        }
    }

    #[test]
    fn each_refused_field_is_named() {
        let refusals = [
            (r#""pre_tokenizer": null"#.to_string(), "pre_tokenizer is null"),
            (
                r#""pre_tokenizer": {"type": "Whitespace"}"#.into(),
                "pre_tokenizer is \"Whitespace\"",
            ),
            (
                r#""pre_tokenizer": {"type": "ByteLevel"}"#.into(),
                "pre_tokenizer ByteLevel add_prefix_space is not false",
            ),
            (
                r#""pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}"#
                    .into(),
                "pre_tokenizer ByteLevel use_regex is not true",
            ),
            (
                split(r"(?i:'s|'t)|\p{L}+", "Isolated"),
                "pre_tokenizer Split pattern \"(?i:'s|'t)|\\\\p{L}+\"… is not implemented",
            ),
            (
                split(CL100K_PAT_STR, "Removed"),
                "pre_tokenizer Split is not behavior Isolated",
            ),
            (
                format!(r#""pre_tokenizer": {BYTE_LEVEL}, "normalizer": {{"type": "NFC"}}"#),
                "normalizer is \"NFC\"",
            ),
            (
                format!(
                    r#""pre_tokenizer": {BYTE_LEVEL}, "post_processor": {{"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0]}}"#
                ),
                "post_processor is \"RobertaProcessing\"",
            ),
            (
                format!(r#""pre_tokenizer": {BYTE_LEVEL}, "post_processor": {{"type": "BertProcessing"}}"#),
                "post_processor is \"BertProcessing\"",
            ),
            (
                format!(
                    r#""pre_tokenizer": {BYTE_LEVEL}, "post_processor": {{"type": "TemplateProcessing",
                       "single": [{{"SpecialToken": {{"id": "<s>", "type_id": 0}}}}, {{"Sequence": {{"id": "A", "type_id": 0}}}}]}}"#
                ),
                "post_processor TemplateProcessing adds tokens",
            ),
        ];
        for (members, want) in refusals {
            let got = err(read_tokenizer_json(doc(&members).as_bytes(), "t.json"));
            assert!(got.starts_with(&format!("t.json: {want}")), "{members}\n{got}");
        }
        let model = |option: &str| {
            let vocab = byte_vocab("");
            format!(
                r#"{{"pre_tokenizer": {BYTE_LEVEL}, "model": {{"type": "BPE", {option}, "vocab": {vocab}, "merges": []}}}}"#
            )
        };
        for option in [
            r#""dropout": 0.1"#,
            r###""continuing_subword_prefix": "##""###,
            r#""end_of_word_suffix": "</w>""#,
            r#""byte_fallback": true"#,
            r#""ignore_merges": true"#,
        ] {
            let key = option.split('"').nth(1).unwrap();
            let got = err(read_tokenizer_json(model(option).as_bytes(), "t.json"));
            assert!(got.starts_with(&format!("t.json: model.{key} is set;")), "{got}");
        }
        for option in [
            r#""dropout": null"#,
            r#""continuing_subword_prefix": """#,
            r#""ignore_merges": false"#,
        ] {
            assert!(
                read_tokenizer_json(model(option).as_bytes(), "t.json").is_ok(),
                "{option}"
            );
        }
    }
}
