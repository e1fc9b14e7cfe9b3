//! What a Hugging Face model directory says about its tokenizer besides the tokenizer files:
//! special token names (`tokenizer_config.json`, `special_tokens_map.json`), `do_lower_case`,
//! `add_prefix_space`, and the special ids of `config.json`.

use std::path::Path;

use serde_json::Value;

use crate::error::{Result, TextError};
use crate::special_tokens::SpecialRole;

/// Tokenizer settings read from the JSON files next to a tokenizer. Every field is optional:
/// a directory with none of the files gives the default (all `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TokenizerHints {
    mask_name: Option<String>,
    pad_name: Option<String>,
    bos_name: Option<String>,
    eos_name: Option<String>,
    unk_name: Option<String>,
    pub do_lower_case: Option<bool>,
    pub add_prefix_space: Option<bool>,
    config_pad_id: Option<u32>,
    config_bos_id: Option<u32>,
    config_eos_id: Option<u32>,
}

impl TokenizerHints {
    /// Reads `special_tokens_map.json`, `tokenizer_config.json` and `config.json` from `dir`
    /// where present. A file that exists but is not a JSON object is an error.
    pub fn read(dir: &Path) -> Result<Self> {
        let mut hints = Self::default();
        // tokenizer_config.json is read last so that its names win over special_tokens_map.json.
        for file in ["special_tokens_map.json", "tokenizer_config.json"] {
            if let Some(json) = read_json_object(&dir.join(file))? {
                hints.take_token_names(&json);
                if let Some(flag) = json.get("do_lower_case").and_then(Value::as_bool) {
                    hints.do_lower_case = Some(flag);
                }
                if let Some(flag) = json.get("add_prefix_space").and_then(Value::as_bool) {
                    hints.add_prefix_space = Some(flag);
                }
            }
        }
        if let Some(json) = read_json_object(&dir.join("config.json"))? {
            let id = |key: &str| json.get(key).and_then(Value::as_u64).map(|id| id as u32);
            hints.config_pad_id = id("pad_token_id");
            hints.config_bos_id = id("bos_token_id");
            hints.config_eos_id = id("eos_token_id");
        }
        Ok(hints)
    }

    /// The token name the configuration files give for `role`, if any.
    pub fn name(&self, role: SpecialRole) -> Option<&str> {
        match role {
            SpecialRole::Mask => self.mask_name.as_deref(),
            SpecialRole::Pad => self.pad_name.as_deref(),
            SpecialRole::Bos => self.bos_name.as_deref(),
            SpecialRole::Eos => self.eos_name.as_deref(),
            SpecialRole::Unk => self.unk_name.as_deref(),
        }
    }

    /// Every token name the configuration files give.
    pub fn names(&self) -> Vec<&str> {
        SpecialRole::ALL
            .into_iter()
            .filter_map(|role| self.name(role))
            .collect()
    }

    /// The id `config.json` gives for `role`, if any.
    pub fn config_id(&self, role: SpecialRole) -> Option<u32> {
        match role {
            SpecialRole::Pad => self.config_pad_id,
            SpecialRole::Bos => self.config_bos_id,
            SpecialRole::Eos => self.config_eos_id,
            SpecialRole::Mask | SpecialRole::Unk => None,
        }
    }

    fn take_token_names(&mut self, json: &Value) {
        let name = |key: &str| json.get(key).and_then(token_content);
        // The sequence start/end of a masked LM are its cls/sep tokens (BERT has no bos/eos).
        let slots = [
            (&mut self.mask_name, name("mask_token")),
            (&mut self.pad_name, name("pad_token")),
            (
                &mut self.bos_name,
                name("cls_token").or_else(|| name("bos_token")),
            ),
            (
                &mut self.eos_name,
                name("sep_token").or_else(|| name("eos_token")),
            ),
            (&mut self.unk_name, name("unk_token")),
        ];
        for (slot, value) in slots {
            if value.is_some() {
                *slot = value;
            }
        }
    }
}

/// A special token entry is either `"<mask>"` or `{"content": "<mask>", ...}`.
fn token_content(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Object(fields) => fields
            .get("content")
            .and_then(Value::as_str)
            .map(str::to_owned),
        _ => None,
    }
}

fn read_json_object(path: &Path) -> Result<Option<Value>> {
    if !path.is_file() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(path).map_err(|e| TextError::io("read", path, e))?;
    // config.json is the model's own configuration: deleting it is no fix.
    let fix = if path.file_name().is_some_and(|n| n == "config.json") {
        "fix the file (the model's configuration)"
    } else {
        "fix or delete the file"
    };
    let bad = |message: String| TextError::BadJsonFile {
        path: path.to_owned(),
        message: format!("{message}; {fix}"),
    };
    let json: Value = serde_json::from_str(&text).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    if !json.is_object() {
        return Err(bad("expected a JSON object at the top level".into()));
    }
    Ok(Some(json))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A broken config.json is named as itself, not as a tokenizer that failed to load, and
    /// the fix offered does not delete the model's configuration.
    #[test]
    fn a_broken_json_file_is_named_as_itself() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.json"), "{broken").unwrap();
        let err = TokenizerHints::read(dir.path()).unwrap_err().to_string();
        assert!(
            err.starts_with(&dir.path().join("config.json").display().to_string()),
            "{err}"
        );
        assert!(
            err.contains("invalid JSON") && err.contains("fix the file"),
            "{err}"
        );
        assert!(
            !err.contains("tokenizer") && !err.contains("delete"),
            "{err}"
        );

        std::fs::write(dir.path().join("config.json"), "{}").unwrap();
        std::fs::write(dir.path().join("tokenizer_config.json"), "[1]").unwrap();
        let err = TokenizerHints::read(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("tokenizer_config.json: expected a JSON object"),
            "{err}"
        );
        assert!(err.contains("fix or delete the file"), "{err}");
    }

    #[test]
    fn reads_names_flags_and_ids() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("special_tokens_map.json"),
            r#"{"mask_token": "[OLD]", "pad_token": {"content": "<p>", "lstrip": false}}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("tokenizer_config.json"),
            r#"{"mask_token": {"content": "<m>"}, "cls_token": "<c>", "bos_token": "<b>",
                "eos_token": "<e>", "do_lower_case": false, "add_prefix_space": true}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2}"#,
        )
        .unwrap();
        let hints = TokenizerHints::read(dir.path()).unwrap();
        assert_eq!(hints.name(SpecialRole::Mask), Some("<m>"));
        assert_eq!(hints.name(SpecialRole::Pad), Some("<p>"));
        assert_eq!(hints.name(SpecialRole::Bos), Some("<c>"));
        assert_eq!(hints.name(SpecialRole::Eos), Some("<e>"));
        assert_eq!(hints.name(SpecialRole::Unk), None);
        assert_eq!(hints.do_lower_case, Some(false));
        assert_eq!(hints.add_prefix_space, Some(true));
        assert_eq!(hints.config_id(SpecialRole::Pad), Some(1));
        assert_eq!(hints.config_id(SpecialRole::Eos), Some(2));
        assert_eq!(hints.config_id(SpecialRole::Mask), None);
    }

    #[test]
    fn empty_dir_gives_defaults() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            TokenizerHints::read(dir.path()).unwrap(),
            TokenizerHints::default()
        );
    }

    #[test]
    fn invalid_json_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tokenizer_config.json"), "{not json").unwrap();
        let err = TokenizerHints::read(dir.path()).unwrap_err().to_string();
        assert!(err.contains("tokenizer_config.json"), "{err}");
        assert!(err.contains("invalid JSON"), "{err}");
    }
}
