use std::path::Path;

use serde::{Deserialize, Serialize};
use unmask_nn::{ActivationKind, ModelError};

use crate::error::Gpt2Error;

/// A Hugging Face GPT-2 `config.json`.
///
/// Field names and defaults are transformers' `GPT2Config`, so a config.json deserializes
/// directly (keys unmask does not use are kept in `extra` and written back on save).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gpt2Config {
    #[serde(default = "default_model_type")]
    pub model_type: String,
    #[serde(default = "default_vocab")]
    pub vocab_size: usize,
    #[serde(default = "default_positions")]
    pub n_positions: usize,
    #[serde(default = "default_embd")]
    pub n_embd: usize,
    #[serde(default = "default_layers")]
    pub n_layer: usize,
    #[serde(default = "default_heads")]
    pub n_head: usize,
    /// Width of the MLP; `null` means `4 * n_embd`.
    #[serde(default)]
    pub n_inner: Option<usize>,
    #[serde(default = "default_activation")]
    pub activation_function: ActivationKind,
    #[serde(default = "default_pdrop")]
    pub resid_pdrop: f64,
    #[serde(default = "default_pdrop")]
    pub embd_pdrop: f64,
    #[serde(default = "default_pdrop")]
    pub attn_pdrop: f64,
    #[serde(default = "default_eps")]
    pub layer_norm_epsilon: f64,
    #[serde(default = "default_init_range")]
    pub initializer_range: f64,
    #[serde(default = "default_special")]
    pub bos_token_id: Option<u32>,
    #[serde(default = "default_special")]
    pub eos_token_id: Option<u32>,
    #[serde(default = "default_true")]
    pub tie_word_embeddings: bool,
    /// Divide attention scores by `sqrt(head_dim)` (always true in released GPT-2s).
    #[serde(default = "default_true")]
    pub scale_attn_weights: bool,
    /// Also divide attention scores by `layer_index + 1` (a GPT-2 variant option).
    #[serde(default)]
    pub scale_attn_by_inverse_layer_idx: bool,
    /// Every other key of the file, kept so a save writes it back.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn default_model_type() -> String {
    "gpt2".into()
}
fn default_vocab() -> usize {
    50257
}
fn default_positions() -> usize {
    1024
}
fn default_embd() -> usize {
    768
}
fn default_layers() -> usize {
    12
}
fn default_heads() -> usize {
    12
}
fn default_activation() -> ActivationKind {
    ActivationKind::GeluTanh
}
fn default_pdrop() -> f64 {
    0.1
}
fn default_eps() -> f64 {
    1e-5
}
fn default_init_range() -> f64 {
    0.02
}
fn default_special() -> Option<u32> {
    Some(50256)
}
fn default_true() -> bool {
    true
}

impl Default for Gpt2Config {
    /// GPT-2 small (124M), transformers' defaults.
    fn default() -> Self {
        serde_json::from_str("{}").expect("every field has a default")
    }
}

impl Gpt2Config {
    /// A tiny GPT-2 for tests and quick experiments: 2 layers, width 64, 4 heads,
    /// 64 positions; the last id is `<|endoftext|>` (BOS and EOS), as in GPT-2.
    pub fn small(vocab_size: usize) -> Self {
        let special = vocab_size.checked_sub(1).map(|id| id as u32);
        Self {
            vocab_size,
            n_positions: 64,
            n_embd: 64,
            n_layer: 2,
            n_head: 4,
            bos_token_id: special,
            eos_token_id: special,
            ..Self::default()
        }
    }

    /// Reads and validates a Hugging Face `config.json`.
    pub fn from_file(path: &Path) -> Result<Self, Gpt2Error> {
        let text = std::fs::read_to_string(path).map_err(|source| ModelError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_json(&text).map_err(|err| match err {
            Gpt2Error::Model(ModelError::Config(msg)) => {
                ModelError::Config(format!("{}: {msg}", path.display())).into()
            }
            other => other,
        })
    }

    pub fn from_json(text: &str) -> Result<Self, Gpt2Error> {
        let config: Self = serde_json::from_str(text)
            .map_err(|e| ModelError::Config(format!("not a GPT-2 config.json ({e})")))?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), Gpt2Error> {
        let fail = |msg: String| Err(ModelError::Config(msg).into());
        if self.model_type != "gpt2" {
            return fail(format!(
                "model_type is \"{}\", expected \"gpt2\"",
                self.model_type
            ));
        }
        if self.vocab_size == 0 || self.n_embd == 0 || self.n_layer == 0 {
            return fail("vocab_size, n_embd and n_layer must be positive".into());
        }
        if self.n_positions < 2 {
            return fail(format!(
                "n_positions must be at least 2, got {}",
                self.n_positions
            ));
        }
        if self.n_head == 0 || !self.n_embd.is_multiple_of(self.n_head) {
            return fail(format!(
                "n_embd {} is not a multiple of n_head {}; pick n_head dividing n_embd",
                self.n_embd, self.n_head
            ));
        }
        if self.n_inner == Some(0) {
            return fail("n_inner must be positive (or null for 4 * n_embd)".into());
        }
        for (name, p) in [
            ("resid_pdrop", self.resid_pdrop),
            ("embd_pdrop", self.embd_pdrop),
            ("attn_pdrop", self.attn_pdrop),
        ] {
            if !(0.0..1.0).contains(&p) {
                return fail(format!("{name} must be in [0, 1), got {p}"));
            }
        }
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !positive(self.layer_norm_epsilon) || !positive(self.initializer_range) {
            return fail("layer_norm_epsilon and initializer_range must be positive".into());
        }
        for (name, id) in [
            ("bos_token_id", self.bos_token_id),
            ("eos_token_id", self.eos_token_id),
        ] {
            if let Some(id) = id.filter(|&id| id as usize >= self.vocab_size) {
                return fail(format!(
                    "{name} {id} is outside the vocabulary ({})",
                    self.vocab_size
                ));
            }
        }
        if self.extra.get("add_cross_attention") == Some(&serde_json::Value::Bool(true)) {
            return fail(
                "add_cross_attention = true (an encoder-decoder GPT-2) is not supported".into(),
            );
        }
        if !self.tie_word_embeddings {
            return fail(
                "tie_word_embeddings is false; unmask's GPT-2 supports only an LM head tied to \
                 the token embeddings"
                    .into(),
            );
        }
        Ok(())
    }

    /// The MLP width (`n_inner`, else `4 * n_embd`).
    pub fn inner_dim(&self) -> usize {
        self.n_inner.unwrap_or(4 * self.n_embd)
    }

    pub fn head_dim(&self) -> usize {
        self.n_embd / self.n_head
    }

    /// The factor attention scores of layer `layer` are multiplied by.
    pub fn attention_scale(&self, layer: usize) -> f64 {
        let mut scale = 1.0;
        if self.scale_attn_weights {
            scale /= (self.head_dim() as f64).sqrt();
        }
        if self.scale_attn_by_inverse_layer_idx {
            scale /= (layer + 1) as f64;
        }
        scale
    }

    /// The config.json transformers reads back as a `GPT2LMHeadModel`.
    pub fn to_hf_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).expect("config serializes");
        let obj = value.as_object_mut().expect("config is an object");
        obj.insert(
            "architectures".into(),
            serde_json::json!(["GPT2LMHeadModel"]),
        );
        value
    }
}
