use std::path::Path;

use serde::{Deserialize, Serialize};
use unmask_nn::{ActivationKind, ModelError};

/// Which member of the BERT family a checkpoint is: it decides position ids, names and defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// RoBERTa: positions start after the padding index and skip padding tokens.
    Roberta,
    /// BERT: plain positions 0..len.
    Bert,
}

/// The subset of a Hugging Face `config.json` that defines a BERT/RoBERTa masked LM.
///
/// Field names are those of transformers, so a config.json deserializes directly
/// and serializes back into one that transformers reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MaskedLmConfig {
    pub model_type: ModelKind,
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    #[serde(default = "default_act")]
    pub hidden_act: ActivationKind,
    pub max_position_embeddings: usize,
    #[serde(default = "default_type_vocab")]
    pub type_vocab_size: usize,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    #[serde(default)]
    pub pad_token_id: usize,
    #[serde(default)]
    pub bos_token_id: Option<usize>,
    #[serde(default)]
    pub eos_token_id: Option<usize>,
    #[serde(default = "default_dropout")]
    pub hidden_dropout_prob: f64,
    #[serde(default = "default_dropout")]
    pub attention_probs_dropout_prob: f64,
}

fn default_act() -> ActivationKind {
    ActivationKind::Gelu
}
fn default_type_vocab() -> usize {
    2
}
fn default_eps() -> f64 {
    1e-12
}
fn default_dropout() -> f64 {
    0.1
}

impl MaskedLmConfig {
    /// roberta-base's shapes (the seed experiment's model).
    pub fn roberta_base() -> Self {
        Self {
            model_type: ModelKind::Roberta,
            vocab_size: 50265,
            hidden_size: 768,
            num_hidden_layers: 12,
            num_attention_heads: 12,
            intermediate_size: 3072,
            hidden_act: ActivationKind::Gelu,
            max_position_embeddings: 514,
            type_vocab_size: 1,
            layer_norm_eps: 1e-5,
            pad_token_id: 1,
            bos_token_id: Some(0),
            eos_token_id: Some(2),
            hidden_dropout_prob: 0.1,
            attention_probs_dropout_prob: 0.1,
        }
    }

    /// A small RoBERTa from scratch with the given shapes (RoBERTa special ids 0..=4).
    pub fn small_roberta(
        vocab_size: usize,
        hidden_size: usize,
        num_hidden_layers: usize,
        num_attention_heads: usize,
        intermediate_size: usize,
        max_len: usize,
    ) -> Self {
        Self {
            vocab_size,
            hidden_size,
            num_hidden_layers,
            num_attention_heads,
            intermediate_size,
            // RoBERTa positions start at pad + 1.
            max_position_embeddings: max_len + 2,
            ..Self::roberta_base()
        }
    }

    /// Reads and validates a Hugging Face `config.json`.
    pub fn from_file(path: &Path) -> Result<Self, ModelError> {
        unmask_nn::tensor_file::read_config(path, Self::from_json)
    }

    pub fn from_json(text: &str) -> Result<Self, ModelError> {
        let config: Self = serde_json::from_str(text).map_err(|e| {
            ModelError::Config(format!(
                "not a BERT/RoBERTa config.json ({e}); model_type must be \"roberta\" or \"bert\""
            ))
        })?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ModelError> {
        let fail = |msg: String| Err(ModelError::Config(msg));
        if self.vocab_size == 0 || self.hidden_size == 0 || self.num_hidden_layers == 0 {
            return fail("vocab_size, hidden_size and num_hidden_layers must be positive".into());
        }
        if self.num_attention_heads == 0
            || !self.hidden_size.is_multiple_of(self.num_attention_heads)
        {
            return fail(format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                self.hidden_size, self.num_attention_heads
            ));
        }
        if self.type_vocab_size == 0 {
            return fail("type_vocab_size must be at least 1".into());
        }
        if self.pad_token_id >= self.vocab_size {
            return fail(format!(
                "pad_token_id {} is outside the vocabulary ({})",
                self.pad_token_id, self.vocab_size
            ));
        }
        for (name, p) in [
            ("hidden_dropout_prob", self.hidden_dropout_prob),
            (
                "attention_probs_dropout_prob",
                self.attention_probs_dropout_prob,
            ),
        ] {
            if !(0.0..1.0).contains(&p) {
                return fail(format!("{name} must be in [0, 1), got {p}"));
            }
        }
        if self.model_type == ModelKind::Roberta
            && self.max_position_embeddings <= self.pad_token_id + 1
        {
            return fail(
                "max_position_embeddings leaves no room after RoBERTa's padding offset".into(),
            );
        }
        Ok(())
    }

    /// The longest sequence the position table can hold.
    pub fn max_sequence_len(&self) -> usize {
        match self.model_type {
            ModelKind::Roberta => self.max_position_embeddings - self.pad_token_id - 1,
            ModelKind::Bert => self.max_position_embeddings,
        }
    }

    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }

    /// The config.json transformers reads back (with `architectures`).
    pub fn to_hf_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).expect("config serializes");
        let arch = match self.model_type {
            ModelKind::Roberta => "RobertaForMaskedLM",
            ModelKind::Bert => "BertForMaskedLM",
        };
        let obj = value.as_object_mut().expect("config is an object");
        obj.insert("architectures".into(), serde_json::json!([arch]));
        obj.insert("tie_word_embeddings".into(), serde_json::json!(true));
        obj.insert("initializer_range".into(), serde_json::json!(0.02));
        obj.insert(
            "position_embedding_type".into(),
            serde_json::json!("absolute"),
        );
        obj.retain(|_, v| !v.is_null());
        value
    }
}
