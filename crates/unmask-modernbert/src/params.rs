//! The model's one walk over its parameters by Hugging Face name (`ModernBertForMaskedLM`'s
//! names), which random init, loading and saving all go through (`unmask_nn::hf_params`),
//! and the skeleton the walk fills.

use burn::nn::{Embedding, LayerNorm, LayerNormConfig, Linear};
use burn::tensor::backend::Backend;
use unmask_nn::hf_params::{
    Init, Layout, ParamVisitor, placeholder, visit_embedding, visit_layer_norm, visit_linear,
};
use unmask_nn::{Activation, Dropout, ModelError};

use crate::attention::Attention;
use crate::config::{AttentionKind, ModernBertConfig};
use crate::layer::{Layer, Mlp};
use crate::model::{Head, ModernBert};

/// The prefix of the encoder's names in `ModernBertForMaskedLM` (a bare `ModernBertModel`
/// checkpoint has none).
pub const MODEL_PREFIX: &str = "model.";
pub const EMBEDDINGS: &str = "model.embeddings.tok_embeddings.weight";
pub const DECODER_WEIGHT: &str = "decoder.weight";
pub const DECODER_BIAS: &str = "decoder.bias";
pub const HEAD_DENSE: &str = "head.dense.weight";

fn linear<B: Backend>(d_in: usize, d_out: usize, bias: bool, device: &B::Device) -> Linear<B> {
    Linear {
        weight: placeholder([d_in, d_out], device),
        bias: bias.then(|| placeholder([d_out], device)),
    }
}

fn norm<B: Backend>(config: &ModernBertConfig, device: &B::Device) -> LayerNorm<B> {
    let mut norm = LayerNormConfig::new(config.hidden_size)
        .with_epsilon(config.norm_eps)
        .with_bias(config.norm_bias)
        .init(device);
    norm.gamma = placeholder([config.hidden_size], device);
    norm.beta = config
        .norm_bias
        .then(|| placeholder([config.hidden_size], device));
    norm
}

/// The model with every parameter shaped but not computed; a walk fills them.
pub fn skeleton<B: Backend>(config: &ModernBertConfig, device: &B::Device) -> ModernBert<B> {
    let (h, ffn) = (config.hidden_size, config.intermediate_size);
    let layers = config
        .layer_types
        .iter()
        .enumerate()
        .map(|(i, kind)| Layer {
            attn_norm: (i > 0).then(|| norm(config, device)),
            attn: Attention {
                wqkv: linear(h, 3 * h, config.attention_bias, device),
                wo: linear(h, h, config.attention_bias, device),
                attention_dropout: Dropout::new(config.attention_dropout),
                output_dropout: Dropout::new(config.attention_dropout),
                num_heads: config.num_attention_heads,
            },
            mlp_norm: norm(config, device),
            mlp: Mlp {
                wi: linear(h, 2 * ffn, config.mlp_bias, device),
                wo: linear(ffn, h, config.mlp_bias, device),
                activation: Activation::new(config.hidden_activation),
                dropout: Dropout::new(config.mlp_dropout),
            },
            sliding: *kind == AttentionKind::Sliding,
        })
        .collect();
    ModernBert {
        tok_embeddings: Embedding {
            weight: placeholder([config.vocab_size, h], device),
        },
        embedding_norm: norm(config, device),
        embedding_dropout: Dropout::new(config.embedding_dropout),
        layers,
        final_norm: norm(config, device),
        head: Head {
            dense: linear(h, h, config.classifier_bias, device),
            activation: Activation::new(config.classifier_activation),
            norm: norm(config, device),
        },
        decoder_bias: config
            .decoder_bias
            .then(|| placeholder([config.vocab_size], device)),
        config: config.clone(),
    }
}

impl<B: Backend> ModernBert<B> {
    /// The encoder (`model.*`): embeddings, layers, final norm. Initialised as transformers'
    /// `ModernBertPreTrainedModel._init_weights`: normals truncated at 2 std, `initializer_range`
    /// for the embeddings and input projections, output projections scaled down by
    /// `sqrt(2 * layers)`.
    pub fn walk_encoder<V: ParamVisitor<B>>(&mut self, v: &mut V) -> Result<(), ModelError> {
        let c = &self.config;
        let std_in = Init::TruncatedNormal {
            std: c.initializer_range,
        };
        let std_out = Init::TruncatedNormal {
            std: c.initializer_range / (2.0 * c.num_hidden_layers as f64).sqrt(),
        };
        visit_embedding(
            v,
            "model.embeddings.tok_embeddings",
            &mut self.tok_embeddings,
            std_in,
        )?;
        visit_layer_norm(v, "model.embeddings.norm", &mut self.embedding_norm)?;
        for (i, layer) in self.layers.iter_mut().enumerate() {
            let p = format!("model.layers.{i}");
            if let Some(attn_norm) = &mut layer.attn_norm {
                visit_layer_norm(v, &format!("{p}.attn_norm"), attn_norm)?;
            }
            visit_linear(v, &format!("{p}.attn.Wqkv"), &mut layer.attn.wqkv, std_in)?;
            visit_linear(v, &format!("{p}.attn.Wo"), &mut layer.attn.wo, std_out)?;
            visit_layer_norm(v, &format!("{p}.mlp_norm"), &mut layer.mlp_norm)?;
            visit_linear(v, &format!("{p}.mlp.Wi"), &mut layer.mlp.wi, std_in)?;
            visit_linear(v, &format!("{p}.mlp.Wo"), &mut layer.mlp.wo, std_out)?;
        }
        visit_layer_norm(v, "model.final_norm", &mut self.final_norm)
    }

    /// The MLM head: `head.*` and the decoder bias (the decoder weight is the embeddings).
    pub fn walk_head<V: ParamVisitor<B>>(&mut self, v: &mut V) -> Result<(), ModelError> {
        let std_out = Init::TruncatedNormal {
            std: self.config.initializer_range
                / (2.0 * self.config.num_hidden_layers as f64).sqrt(),
        };
        visit_linear(v, "head.dense", &mut self.head.dense, std_out)?;
        visit_layer_norm(v, "head.norm", &mut self.head.norm)?;
        if let Some(bias) = &mut self.decoder_bias {
            v.visit(DECODER_BIAS, bias, Layout::Plain, Init::Zeros)?;
        }
        Ok(())
    }

    /// Every parameter, by Hugging Face name.
    pub fn walk<V: ParamVisitor<B>>(&mut self, v: &mut V) -> Result<(), ModelError> {
        self.walk_encoder(v)?;
        self.walk_head(v)
    }
}
