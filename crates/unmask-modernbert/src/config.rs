//! ModernBERT's `config.json`, in both forms the Hub holds: transformers 4's
//! `global_rope_theta` / `local_rope_theta` / `global_attn_every_n_layers`, and transformers
//! 5's `layer_types` + `rope_parameters`. Both resolve to one list of layer kinds.

use std::path::Path;

use serde::Deserialize;
use serde_json::{Value, json};
use unmask_nn::{ActivationKind, ModelError};

/// Global (full) attention, or attention within a sliding window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttentionKind {
    Full,
    Sliding,
}

impl AttentionKind {
    /// transformers 5's `layer_types` spelling.
    pub fn hf_name(self) -> &'static str {
        match self {
            Self::Full => "full_attention",
            Self::Sliding => "sliding_attention",
        }
    }
}

/// A ModernBERT, resolved from a `config.json` and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct ModernBertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub max_position_embeddings: usize,
    pub hidden_activation: ActivationKind,
    pub classifier_activation: ActivationKind,
    pub norm_eps: f64,
    pub norm_bias: bool,
    pub attention_bias: bool,
    pub mlp_bias: bool,
    pub classifier_bias: bool,
    pub decoder_bias: bool,
    /// One per layer.
    pub layer_types: Vec<AttentionKind>,
    /// Sliding layers attend to keys with `|i - j| <= local_attention / 2`.
    pub local_attention: usize,
    pub global_rope_theta: f64,
    pub local_rope_theta: f64,
    pub embedding_dropout: f64,
    pub attention_dropout: f64,
    pub mlp_dropout: f64,
    pub initializer_range: f64,
    pub pad_token_id: usize,
    pub bos_token_id: Option<usize>,
    pub eos_token_id: Option<usize>,
    pub cls_token_id: Option<usize>,
    pub sep_token_id: Option<usize>,
    pub mask_token_id: Option<usize>,
    /// Attention to the past only: the same network as a causal LM (unmask's own key,
    /// `causal`; transformers ignores it).
    pub causal: bool,
}

/// `config.json` as written, every field optional where transformers has a default.
#[derive(Debug, Deserialize)]
struct HfConfig {
    model_type: Option<String>,
    vocab_size: Option<usize>,
    hidden_size: Option<usize>,
    intermediate_size: Option<usize>,
    num_hidden_layers: Option<usize>,
    num_attention_heads: Option<usize>,
    max_position_embeddings: Option<usize>,
    hidden_activation: Option<ActivationKind>,
    classifier_activation: Option<ActivationKind>,
    norm_eps: Option<f64>,
    norm_bias: Option<bool>,
    attention_bias: Option<bool>,
    mlp_bias: Option<bool>,
    classifier_bias: Option<bool>,
    decoder_bias: Option<bool>,
    global_attn_every_n_layers: Option<usize>,
    local_attention: Option<usize>,
    global_rope_theta: Option<f64>,
    local_rope_theta: Option<f64>,
    layer_types: Option<Vec<String>>,
    rope_parameters: Option<Value>,
    embedding_dropout: Option<f64>,
    attention_dropout: Option<f64>,
    mlp_dropout: Option<f64>,
    initializer_range: Option<f64>,
    pad_token_id: Option<usize>,
    bos_token_id: Option<usize>,
    eos_token_id: Option<usize>,
    cls_token_id: Option<usize>,
    sep_token_id: Option<usize>,
    mask_token_id: Option<usize>,
    tie_word_embeddings: Option<bool>,
    #[serde(default)]
    causal: bool,
}

fn config_error(msg: impl Into<String>) -> ModelError {
    ModelError::Config(msg.into())
}

/// The `rope_theta` of one entry of transformers 5's `rope_parameters`.
fn rope_theta(rope: &Value, kind: AttentionKind) -> Result<Option<f64>, ModelError> {
    let key = kind.hf_name();
    let Some(entry) = rope.get(key) else {
        return Ok(None);
    };
    if let Some(rope_type) = entry.get("rope_type").and_then(Value::as_str)
        && rope_type != "default"
    {
        return Err(config_error(format!(
            "rope_parameters.{key}.rope_type `{rope_type}`: only \"default\" rotary embeddings are supported"
        )));
    }
    match entry.get("rope_theta") {
        None => Ok(None),
        Some(v) => v.as_f64().map(Some).ok_or_else(|| {
            config_error(format!("rope_parameters.{key}.rope_theta must be a number"))
        }),
    }
}

/// The v4 and the v5 spelling of one rope theta; an error if both are given and differ.
fn one_theta(
    v4: Option<f64>,
    v4_key: &str,
    v5: Option<f64>,
    v5_key: &str,
    default: f64,
) -> Result<f64, ModelError> {
    match (v4, v5) {
        (Some(a), Some(b)) if (a - b).abs() > 1e-9 * a.abs().max(1.0) => Err(config_error(
            format!("{v4_key} = {a} contradicts rope_parameters.{v5_key}.rope_theta = {b}"),
        )),
        (Some(a), _) | (None, Some(a)) => Ok(a),
        (None, None) => Ok(default),
    }
}

impl ModernBertConfig {
    /// answerdotai/ModernBERT-base's shapes.
    pub fn base() -> Self {
        Self {
            vocab_size: 50368,
            hidden_size: 768,
            intermediate_size: 1152,
            num_hidden_layers: 22,
            num_attention_heads: 12,
            max_position_embeddings: 8192,
            hidden_activation: ActivationKind::Gelu,
            classifier_activation: ActivationKind::Gelu,
            norm_eps: 1e-5,
            norm_bias: false,
            attention_bias: false,
            mlp_bias: false,
            classifier_bias: false,
            decoder_bias: true,
            layer_types: Self::every_nth_global(22, 3),
            local_attention: 128,
            global_rope_theta: 160_000.0,
            local_rope_theta: 10_000.0,
            embedding_dropout: 0.0,
            attention_dropout: 0.0,
            mlp_dropout: 0.0,
            initializer_range: 0.02,
            pad_token_id: 50283,
            bos_token_id: Some(50281),
            eos_token_id: Some(50282),
            cls_token_id: Some(50281),
            sep_token_id: Some(50282),
            mask_token_id: Some(50284),
            causal: false,
        }
    }

    /// A small model from scratch: global attention in every layer (the pilots),
    /// positions up to `max_len`.
    pub fn small(
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
            intermediate_size,
            num_hidden_layers,
            num_attention_heads,
            max_position_embeddings: max_len,
            layer_types: vec![AttentionKind::Full; num_hidden_layers],
            local_attention: max_len.min(128),
            pad_token_id: 0,
            bos_token_id: None,
            eos_token_id: None,
            cls_token_id: None,
            sep_token_id: None,
            mask_token_id: None,
            ..Self::base()
        }
    }

    /// transformers 4's layout: layer `i` is global when `i % n == 0`.
    pub fn every_nth_global(layers: usize, n: usize) -> Vec<AttentionKind> {
        (0..layers)
            .map(|i| {
                if i % n.max(1) == 0 {
                    AttentionKind::Full
                } else {
                    AttentionKind::Sliding
                }
            })
            .collect()
    }

    pub fn from_file(path: &Path) -> Result<Self, ModelError> {
        unmask_nn::tensor_file::read_config(path, Self::from_json)
    }

    pub fn from_json(text: &str) -> Result<Self, ModelError> {
        let hf: HfConfig = serde_json::from_str(text)
            .map_err(|e| config_error(format!("not a ModernBERT config.json: {e}")))?;
        if let Some(kind) = &hf.model_type
            && kind != "modernbert"
        {
            return Err(config_error(format!(
                "model_type is \"{kind}\", not \"modernbert\""
            )));
        }
        if hf.tie_word_embeddings == Some(false) {
            return Err(config_error(
                "tie_word_embeddings = false: unmask supports only a decoder tied to the embeddings",
            ));
        }
        let base = Self::base();
        let required = |v: Option<usize>, key: &str| {
            v.ok_or_else(|| config_error(format!("`{key}` is missing")))
        };
        let num_hidden_layers = required(hf.num_hidden_layers, "num_hidden_layers")?;
        let layer_types = match &hf.layer_types {
            Some(names) => {
                let kinds = names
                    .iter()
                    .enumerate()
                    .map(|(i, name)| match name.as_str() {
                        "full_attention" => Ok(AttentionKind::Full),
                        "sliding_attention" => Ok(AttentionKind::Sliding),
                        other => Err(config_error(format!(
                            "layer_types[{i}] is \"{other}\": use \"full_attention\" or \"sliding_attention\""
                        ))),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                if let Some(n) = hf.global_attn_every_n_layers {
                    let implied = Self::every_nth_global(num_hidden_layers, n);
                    if kinds.len() == implied.len() && kinds != implied {
                        return Err(config_error(format!(
                            "layer_types contradicts global_attn_every_n_layers = {n}"
                        )));
                    }
                }
                kinds
            }
            None => Self::every_nth_global(
                num_hidden_layers,
                hf.global_attn_every_n_layers.unwrap_or(3),
            ),
        };
        let rope = hf.rope_parameters.clone().unwrap_or(Value::Null);
        if !rope.is_null() && !rope.is_object() {
            return Err(config_error("rope_parameters must be an object"));
        }
        let global_rope_theta = one_theta(
            hf.global_rope_theta,
            "global_rope_theta",
            rope_theta(&rope, AttentionKind::Full)?,
            "full_attention",
            base.global_rope_theta,
        )?;
        let local_rope_theta = one_theta(
            hf.local_rope_theta,
            "local_rope_theta",
            rope_theta(&rope, AttentionKind::Sliding)?,
            "sliding_attention",
            base.local_rope_theta,
        )?;
        let config = Self {
            vocab_size: required(hf.vocab_size, "vocab_size")?,
            hidden_size: required(hf.hidden_size, "hidden_size")?,
            intermediate_size: required(hf.intermediate_size, "intermediate_size")?,
            num_hidden_layers,
            num_attention_heads: required(hf.num_attention_heads, "num_attention_heads")?,
            max_position_embeddings: hf
                .max_position_embeddings
                .unwrap_or(base.max_position_embeddings),
            hidden_activation: hf.hidden_activation.unwrap_or(base.hidden_activation),
            classifier_activation: hf
                .classifier_activation
                .unwrap_or(base.classifier_activation),
            norm_eps: hf.norm_eps.unwrap_or(base.norm_eps),
            norm_bias: hf.norm_bias.unwrap_or(base.norm_bias),
            attention_bias: hf.attention_bias.unwrap_or(base.attention_bias),
            mlp_bias: hf.mlp_bias.unwrap_or(base.mlp_bias),
            classifier_bias: hf.classifier_bias.unwrap_or(base.classifier_bias),
            decoder_bias: hf.decoder_bias.unwrap_or(base.decoder_bias),
            layer_types,
            local_attention: hf.local_attention.unwrap_or(base.local_attention),
            global_rope_theta,
            local_rope_theta,
            embedding_dropout: hf.embedding_dropout.unwrap_or(0.0),
            attention_dropout: hf.attention_dropout.unwrap_or(0.0),
            mlp_dropout: hf.mlp_dropout.unwrap_or(0.0),
            initializer_range: hf.initializer_range.unwrap_or(base.initializer_range),
            pad_token_id: hf.pad_token_id.unwrap_or(base.pad_token_id),
            bos_token_id: hf.bos_token_id,
            eos_token_id: hf.eos_token_id,
            cls_token_id: hf.cls_token_id,
            sep_token_id: hf.sep_token_id,
            mask_token_id: hf.mask_token_id,
            causal: hf.causal,
        };
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ModelError> {
        let fail = |msg: String| Err(config_error(msg));
        for (key, v) in [
            ("vocab_size", self.vocab_size),
            ("hidden_size", self.hidden_size),
            ("intermediate_size", self.intermediate_size),
            ("num_hidden_layers", self.num_hidden_layers),
            ("num_attention_heads", self.num_attention_heads),
            ("max_position_embeddings", self.max_position_embeddings),
        ] {
            if v == 0 {
                return fail(format!("{key} must be positive"));
            }
        }
        if !self.hidden_size.is_multiple_of(self.num_attention_heads) {
            return fail(format!(
                "hidden_size {} is not a multiple of num_attention_heads {}",
                self.hidden_size, self.num_attention_heads
            ));
        }
        if !self.head_dim().is_multiple_of(2) {
            return fail(format!(
                "head dimension {} (hidden_size / num_attention_heads) is odd: rotary embeddings rotate pairs of dimensions",
                self.head_dim()
            ));
        }
        if self.layer_types.len() != self.num_hidden_layers {
            return fail(format!(
                "layer_types has {} entries for {} layers",
                self.layer_types.len(),
                self.num_hidden_layers
            ));
        }
        let has_sliding = self.layer_types.contains(&AttentionKind::Sliding);
        if has_sliding && self.local_attention == 0 {
            return fail("local_attention must be positive".into());
        }
        if has_sliding && self.local_attention > self.max_position_embeddings {
            return fail(format!(
                "local_attention {} (the sliding window) exceeds max_position_embeddings {}",
                self.local_attention, self.max_position_embeddings
            ));
        }
        for (key, theta) in [
            ("global_rope_theta", self.global_rope_theta),
            ("local_rope_theta", self.local_rope_theta),
        ] {
            if !(theta.is_finite() && theta > 0.0) {
                return fail(format!("{key} must be a positive number, got {theta}"));
            }
        }
        if !(self.norm_eps.is_finite() && self.norm_eps > 0.0) {
            return fail(format!("norm_eps must be positive, got {}", self.norm_eps));
        }
        for (key, p) in [
            ("embedding_dropout", self.embedding_dropout),
            ("attention_dropout", self.attention_dropout),
            ("mlp_dropout", self.mlp_dropout),
        ] {
            if !(0.0..1.0).contains(&p) {
                return fail(format!("{key} must be in [0, 1), got {p}"));
            }
        }
        for (key, id) in [
            ("pad_token_id", Some(self.pad_token_id)),
            ("bos_token_id", self.bos_token_id),
            ("eos_token_id", self.eos_token_id),
            ("mask_token_id", self.mask_token_id),
        ] {
            if let Some(id) = id
                && id >= self.vocab_size
            {
                return fail(format!(
                    "{key} {id} is outside the vocabulary ({})",
                    self.vocab_size
                ));
            }
        }
        Ok(())
    }

    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_attention_heads
    }

    /// The longest sequence the model takes (rotary positions have no table, but transformers
    /// documents this bound and the sliding windows are sized against it).
    pub fn max_sequence_len(&self) -> usize {
        self.max_position_embeddings
    }

    /// A sequence of `len` tokens fits the model.
    pub fn check_len(&self, len: usize) -> Result<(), ModelError> {
        if len > self.max_position_embeddings {
            return Err(config_error(format!(
                "a sequence of {len} tokens exceeds max_position_embeddings {}",
                self.max_position_embeddings
            )));
        }
        Ok(())
    }

    /// The config.json that transformers 4 and 5 both read: the v4 keys and the v5
    /// `layer_types` + `rope_parameters`, saying the same thing.
    pub fn to_hf_json(&self) -> Value {
        let every_n = (1..=self.num_hidden_layers)
            .find(|&n| Self::every_nth_global(self.num_hidden_layers, n) == self.layer_types);
        let act = |a: ActivationKind| serde_json::to_value(a).expect("activation serializes");
        let mut value = json!({
            "architectures": ["ModernBertForMaskedLM"],
            "model_type": "modernbert",
            "vocab_size": self.vocab_size,
            "hidden_size": self.hidden_size,
            "intermediate_size": self.intermediate_size,
            "num_hidden_layers": self.num_hidden_layers,
            "num_attention_heads": self.num_attention_heads,
            "max_position_embeddings": self.max_position_embeddings,
            "hidden_activation": act(self.hidden_activation),
            "classifier_activation": act(self.classifier_activation),
            "norm_eps": self.norm_eps,
            "norm_bias": self.norm_bias,
            "attention_bias": self.attention_bias,
            "mlp_bias": self.mlp_bias,
            "classifier_bias": self.classifier_bias,
            "decoder_bias": self.decoder_bias,
            "local_attention": self.local_attention,
            "global_rope_theta": self.global_rope_theta,
            "local_rope_theta": self.local_rope_theta,
            "layer_types": self.layer_types.iter().map(|k| k.hf_name()).collect::<Vec<_>>(),
            "rope_parameters": {
                "full_attention": {"rope_type": "default", "rope_theta": self.global_rope_theta},
                "sliding_attention": {"rope_type": "default", "rope_theta": self.local_rope_theta},
            },
            "embedding_dropout": self.embedding_dropout,
            "attention_dropout": self.attention_dropout,
            "mlp_dropout": self.mlp_dropout,
            "initializer_range": self.initializer_range,
            "pad_token_id": self.pad_token_id,
            "bos_token_id": self.bos_token_id,
            "eos_token_id": self.eos_token_id,
            "cls_token_id": self.cls_token_id,
            "sep_token_id": self.sep_token_id,
            "mask_token_id": self.mask_token_id,
            "tie_word_embeddings": true,
            "causal": self.causal,
        });
        let obj = value.as_object_mut().expect("an object");
        if let Some(n) = every_n {
            obj.insert("global_attn_every_n_layers".into(), json!(n));
        }
        obj.retain(|_, v| !v.is_null());
        value
    }
}
