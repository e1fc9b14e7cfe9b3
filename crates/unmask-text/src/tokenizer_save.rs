//! Writing a [`TextTokenizer`] as a directory that Hugging Face `transformers` can load.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use tokenizers::{ModelWrapper, NormalizerWrapper, PostProcessorWrapper, PreTokenizerWrapper};

use crate::error::{Result, TextError};
use crate::tokenizer::TextTokenizer;

pub(crate) fn save(tokenizer: &TextTokenizer, dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| TextError::io("create directory", dir, e))?;
    let tokenizer_json = dir.join("tokenizer.json");
    let json = tokenizer.inner().to_string(true).map_err(|e| {
        TextError::io(
            "serialize",
            &tokenizer_json,
            std::io::Error::other(e.to_string()),
        )
    })?;
    unmask_io::write_atomic(&tokenizer_json, json.as_bytes())?;
    let config_path = dir.join("tokenizer_config.json");
    let config = serde_json::to_string_pretty(&tokenizer_config(tokenizer)?)
        .expect("a serde_json::Value always serializes");
    unmask_io::write_atomic(&config_path, (config + "\n").as_bytes())?;
    Ok(tokenizer_json)
}

/// The `tokenizer_config.json` contents: the special tokens by their `transformers` names and
/// the tokenizer class that matches the pipeline (RoBERTa byte-level BPE, BERT WordPiece, or
/// the generic fast tokenizer that takes `tokenizer.json` as it is).
fn tokenizer_config(tokenizer: &TextTokenizer) -> Result<Value> {
    let special = tokenizer.special();
    let name = |id: u32| -> Result<Value> {
        tokenizer.id_to_token(id).map(Value::String).ok_or_else(|| {
            TextError::InvalidArgument(format!("special id {id} has no token in the vocabulary"))
        })
    };
    let mut config = Map::new();
    config.insert("bos_token".into(), name(special.bos)?);
    config.insert("cls_token".into(), name(special.bos)?);
    config.insert("eos_token".into(), name(special.eos)?);
    config.insert("sep_token".into(), name(special.eos)?);
    config.insert("pad_token".into(), name(special.pad)?);
    config.insert("mask_token".into(), name(special.mask)?);
    if let Some(unk) = special.unk {
        config.insert("unk_token".into(), name(unk)?);
    }
    let inner = tokenizer.inner();
    let class = match (
        inner.get_model(),
        inner.get_normalizer(),
        inner.get_pre_tokenizer(),
        inner.get_post_processor(),
    ) {
        (
            ModelWrapper::BPE(_),
            None,
            Some(PreTokenizerWrapper::ByteLevel(byte_level)),
            Some(PostProcessorWrapper::Roberta(_)),
        ) => {
            config.insert(
                "add_prefix_space".into(),
                json!(byte_level.add_prefix_space),
            );
            config.insert("trim_offsets".into(), json!(true));
            "RobertaTokenizerFast"
        }
        (
            ModelWrapper::WordPiece(_),
            Some(NormalizerWrapper::BertNormalizer(normalizer)),
            Some(PreTokenizerWrapper::BertPreTokenizer(_)),
            _,
        ) => {
            config.insert("do_lower_case".into(), json!(normalizer.lowercase));
            "BertTokenizerFast"
        }
        _ => "PreTrainedTokenizerFast",
    };
    config.insert("tokenizer_class".into(), json!(class));
    Ok(Value::Object(config))
}
