//! The model's one walk over its parameters by Hugging Face name (`*ForMaskedLM`'s names:
//! `roberta.` / `bert.` before the encoder's), which random init, loading and saving all go
//! through (`unmask_nn::hf_params`), and the skeleton the walk fills.

use burn::nn::{Embedding, LayerNorm, LayerNormConfig, Linear};
use burn::tensor::backend::Backend;
use unmask_nn::hf_params::{
    Init, Layout, ParamVisitor, placeholder, visit_embedding, visit_layer_norm, visit_linear,
};
use unmask_nn::{Activation, ActivationKind, Dropout, ModelError};

use crate::attention::SelfAttention;
use crate::config::{MaskedLmConfig, ModelKind};
use crate::embeddings::Embeddings;
use crate::layer::EncoderLayer;
use crate::mlm_head::MlmHead;
use crate::model::MaskedLm;

/// RoBERTa's initialisation (transformers `_init_weights`): weights N(0, 0.02), biases 0,
/// LayerNorm 1/0. Drawn in transformers' `[out, in]` order, as unmask always has, so a
/// seeded model is the one it was.
pub const INIT_STD: f64 = 0.02;
const WEIGHT_INIT: Init = Init::NormalHfLayout { std: INIT_STD };

/// Hugging Face names of the MLM head for each model kind.
pub struct HeadNames {
    pub dense: &'static str,
    pub layer_norm: &'static str,
    pub bias: &'static str,
    pub decoder_weight: &'static str,
    pub decoder_bias: &'static str,
}

pub fn head_names(kind: ModelKind) -> HeadNames {
    match kind {
        ModelKind::Roberta => HeadNames {
            dense: "lm_head.dense",
            layer_norm: "lm_head.layer_norm",
            bias: "lm_head.bias",
            decoder_weight: "lm_head.decoder.weight",
            decoder_bias: "lm_head.decoder.bias",
        },
        ModelKind::Bert => HeadNames {
            dense: "cls.predictions.transform.dense",
            layer_norm: "cls.predictions.transform.LayerNorm",
            bias: "cls.predictions.bias",
            decoder_weight: "cls.predictions.decoder.weight",
            decoder_bias: "cls.predictions.decoder.bias",
        },
    }
}

/// The model prefix transformers puts before encoder names in `*ForMaskedLM` checkpoints
/// (a bare `BertModel`/`RobertaModel` checkpoint has none).
pub fn model_prefix(kind: ModelKind) -> &'static str {
    match kind {
        ModelKind::Roberta => "roberta.",
        ModelKind::Bert => "bert.",
    }
}

/// The name of the word-embedding matrix, which the decoder is tied to.
pub fn word_embeddings_name(kind: ModelKind) -> String {
    format!("{}embeddings.word_embeddings.weight", model_prefix(kind))
}

/// The MLM head's activation, as transformers has it: `RobertaLMHead` always applies
/// exact GELU, whatever `hidden_act` says; BERT's `BertPredictionHeadTransform` follows
/// `hidden_act`.
pub fn head_act(config: &MaskedLmConfig) -> ActivationKind {
    match config.model_type {
        ModelKind::Roberta => ActivationKind::Gelu,
        ModelKind::Bert => config.hidden_act,
    }
}

fn linear<B: Backend>(d_in: usize, d_out: usize, device: &B::Device) -> Linear<B> {
    Linear {
        weight: placeholder([d_in, d_out], device),
        bias: Some(placeholder([d_out], device)),
    }
}

fn layer_norm<B: Backend>(config: &MaskedLmConfig, device: &B::Device) -> LayerNorm<B> {
    let d = config.hidden_size;
    let mut norm = LayerNormConfig::new(d)
        .with_epsilon(config.layer_norm_eps)
        .init(device);
    norm.gamma = placeholder([d], device);
    norm.beta = Some(placeholder([d], device));
    norm
}

fn embedding<B: Backend>(rows: usize, h: usize, device: &B::Device) -> Embedding<B> {
    Embedding {
        weight: placeholder([rows, h], device),
    }
}

/// The model with every parameter shaped but not computed; a walk fills them.
pub fn skeleton<B: Backend>(config: &MaskedLmConfig, device: &B::Device) -> MaskedLm<B> {
    let (h, ffn) = (config.hidden_size, config.intermediate_size);
    let embeddings = Embeddings {
        word: embedding(config.vocab_size, h, device),
        position: embedding(config.max_position_embeddings, h, device),
        token_type: embedding(config.type_vocab_size, h, device),
        layer_norm: layer_norm(config, device),
        dropout: Dropout::new(config.hidden_dropout_prob),
        kind: config.model_type,
        pad_token_id: config.pad_token_id,
    };
    let layers = (0..config.num_hidden_layers)
        .map(|_| EncoderLayer {
            attention: SelfAttention {
                query: linear(h, h, device),
                key: linear(h, h, device),
                value: linear(h, h, device),
                output: linear(h, h, device),
                layer_norm: layer_norm(config, device),
                attention_dropout: Dropout::new(config.attention_probs_dropout_prob),
                output_dropout: Dropout::new(config.hidden_dropout_prob),
                num_heads: config.num_attention_heads,
            },
            intermediate: linear(h, ffn, device),
            output: linear(ffn, h, device),
            layer_norm: layer_norm(config, device),
            dropout: Dropout::new(config.hidden_dropout_prob),
            activation: Activation::new(config.hidden_act),
        })
        .collect();
    let head = MlmHead {
        dense: linear(h, h, device),
        layer_norm: layer_norm(config, device),
        bias: placeholder([config.vocab_size], device),
        activation: Activation::new(head_act(config)),
    };
    MaskedLm {
        embeddings,
        layers,
        head,
        config: config.clone(),
    }
}

impl<B: Backend> MaskedLm<B> {
    /// The encoder (`roberta.*` / `bert.*`): embeddings, then every layer. Random init draws
    /// in this order: word, position and token-type embeddings, then per layer query, key,
    /// value, attention output, intermediate, output.
    pub fn walk_encoder<V: ParamVisitor<B>>(&mut self, v: &mut V) -> Result<(), ModelError> {
        let prefix = model_prefix(self.config.model_type);
        let e = &mut self.embeddings;
        let p = format!("{prefix}embeddings");
        visit_embedding(v, &format!("{p}.word_embeddings"), &mut e.word, WEIGHT_INIT)?;
        visit_embedding(
            v,
            &format!("{p}.position_embeddings"),
            &mut e.position,
            WEIGHT_INIT,
        )?;
        visit_embedding(
            v,
            &format!("{p}.token_type_embeddings"),
            &mut e.token_type,
            WEIGHT_INIT,
        )?;
        visit_layer_norm(v, &format!("{p}.LayerNorm"), &mut e.layer_norm)?;
        for (i, layer) in self.layers.iter_mut().enumerate() {
            let p = format!("{prefix}encoder.layer.{i}");
            let a = &mut layer.attention;
            visit_linear(
                v,
                &format!("{p}.attention.self.query"),
                &mut a.query,
                WEIGHT_INIT,
            )?;
            visit_linear(
                v,
                &format!("{p}.attention.self.key"),
                &mut a.key,
                WEIGHT_INIT,
            )?;
            visit_linear(
                v,
                &format!("{p}.attention.self.value"),
                &mut a.value,
                WEIGHT_INIT,
            )?;
            visit_linear(
                v,
                &format!("{p}.attention.output.dense"),
                &mut a.output,
                WEIGHT_INIT,
            )?;
            visit_layer_norm(
                v,
                &format!("{p}.attention.output.LayerNorm"),
                &mut a.layer_norm,
            )?;
            visit_linear(
                v,
                &format!("{p}.intermediate.dense"),
                &mut layer.intermediate,
                WEIGHT_INIT,
            )?;
            visit_linear(
                v,
                &format!("{p}.output.dense"),
                &mut layer.output,
                WEIGHT_INIT,
            )?;
            visit_layer_norm(v, &format!("{p}.output.LayerNorm"), &mut layer.layer_norm)?;
        }
        Ok(())
    }

    /// The MLM head: dense, LayerNorm and the bias (the decoder weight is the word
    /// embeddings, the decoder bias the head's bias).
    pub fn walk_head<V: ParamVisitor<B>>(&mut self, v: &mut V) -> Result<(), ModelError> {
        let names = head_names(self.config.model_type);
        let head = &mut self.head;
        visit_linear(v, names.dense, &mut head.dense, WEIGHT_INIT)?;
        visit_layer_norm(v, names.layer_norm, &mut head.layer_norm)?;
        v.visit(names.bias, &mut head.bias, Layout::Plain, Init::Zeros)
    }

    /// Every parameter, by Hugging Face name.
    pub fn walk<V: ParamVisitor<B>>(&mut self, v: &mut V) -> Result<(), ModelError> {
        self.walk_encoder(v)?;
        self.walk_head(v)
    }
}
