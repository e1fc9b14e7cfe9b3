//! One construction of the model, fed by a source of named parameters: random init for
//! training from scratch, or a checkpoint. Names are those of Hugging Face transformers
//! (without the `roberta.` / `bert.` prefix, which the checkpoint source handles).

use burn::module::Param;
use burn::nn::{Embedding, LayerNorm, Linear};
use burn::tensor::{Tensor, backend::Backend};
use unmask_nn::{Activation, ActivationKind, Dropout, ModelError};

use crate::attention::SelfAttention;
use crate::config::{MaskedLmConfig, ModelKind};
use crate::embeddings::Embeddings;
use crate::init;
use crate::layer::EncoderLayer;
use crate::mlm_head::MlmHead;
use crate::model::MaskedLm;

/// How a parameter is initialised when it does not come from a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamRole {
    /// N(0, 0.02).
    Weight,
    /// Zeros.
    Bias,
    /// LayerNorm scale: ones.
    Scale,
}

/// Hands out parameters by Hugging Face name, in Hugging Face shape (`[out, in]` for dense).
pub trait ParamSource<B: Backend> {
    fn tensor1(
        &mut self,
        name: &str,
        dim: usize,
        role: ParamRole,
    ) -> Result<Tensor<B, 1>, ModelError>;
    fn tensor2(&mut self, name: &str, shape: [usize; 2]) -> Result<Tensor<B, 2>, ModelError>;
}

/// Random initialisation with RoBERTa's scheme.
pub struct RandomInit<'a, B: Backend> {
    pub device: &'a B::Device,
}

impl<B: Backend> ParamSource<B> for RandomInit<'_, B> {
    fn tensor1(
        &mut self,
        _: &str,
        dim: usize,
        role: ParamRole,
    ) -> Result<Tensor<B, 1>, ModelError> {
        Ok(match role {
            ParamRole::Scale => Tensor::ones([dim], self.device),
            ParamRole::Bias | ParamRole::Weight => Tensor::zeros([dim], self.device),
        })
    }
    fn tensor2(&mut self, _: &str, shape: [usize; 2]) -> Result<Tensor<B, 2>, ModelError> {
        Ok(init::normal(shape, self.device).val())
    }
}

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

/// The model prefix transformers puts before encoder names in `*ForMaskedLM` checkpoints.
pub fn model_prefix(kind: ModelKind) -> &'static str {
    match kind {
        ModelKind::Roberta => "roberta.",
        ModelKind::Bert => "bert.",
    }
}

pub fn layer_prefix(i: usize) -> String {
    format!("encoder.layer.{i}")
}

fn linear<B: Backend, S: ParamSource<B>>(
    src: &mut S,
    name: &str,
    d_in: usize,
    d_out: usize,
) -> Result<Linear<B>, ModelError> {
    // transformers stores dense weights [out, in]; burn's Linear keeps [in, out]. The
    // transpose is materialised: a strided weight view slows every matmul down.
    let weight = src
        .tensor2(&format!("{name}.weight"), [d_out, d_in])?
        .transpose();
    let device = weight.device();
    let weight = Tensor::from_data(weight.into_data(), &device);
    let bias = src.tensor1(&format!("{name}.bias"), d_out, ParamRole::Bias)?;
    Ok(Linear {
        weight: Param::from_tensor(weight),
        bias: Some(Param::from_tensor(bias)),
    })
}

fn layer_norm<B: Backend, S: ParamSource<B>>(
    src: &mut S,
    name: &str,
    config: &MaskedLmConfig,
    device: &B::Device,
) -> Result<LayerNorm<B>, ModelError> {
    let d = config.hidden_size;
    let mut ln = init::layer_norm(d, config.layer_norm_eps, device);
    ln.gamma = Param::from_tensor(src.tensor1(&format!("{name}.weight"), d, ParamRole::Scale)?);
    ln.beta = Some(Param::from_tensor(src.tensor1(
        &format!("{name}.bias"),
        d,
        ParamRole::Bias,
    )?));
    Ok(ln)
}

fn embedding<B: Backend, S: ParamSource<B>>(
    src: &mut S,
    name: &str,
    shape: [usize; 2],
) -> Result<Embedding<B>, ModelError> {
    Ok(Embedding {
        weight: Param::from_tensor(src.tensor2(&format!("{name}.weight"), shape)?),
    })
}

pub fn build_encoder<B: Backend, S: ParamSource<B>>(
    config: &MaskedLmConfig,
    device: &B::Device,
    src: &mut S,
) -> Result<(Embeddings<B>, Vec<EncoderLayer<B>>), ModelError> {
    let h = config.hidden_size;
    let embeddings = Embeddings {
        word: embedding(src, "embeddings.word_embeddings", [config.vocab_size, h])?,
        position: embedding(
            src,
            "embeddings.position_embeddings",
            [config.max_position_embeddings, h],
        )?,
        token_type: embedding(
            src,
            "embeddings.token_type_embeddings",
            [config.type_vocab_size, h],
        )?,
        layer_norm: layer_norm(src, "embeddings.LayerNorm", config, device)?,
        dropout: Dropout::new(config.hidden_dropout_prob),
        kind: config.model_type,
        pad_token_id: config.pad_token_id,
    };
    let mut layers = Vec::with_capacity(config.num_hidden_layers);
    for i in 0..config.num_hidden_layers {
        let p = layer_prefix(i);
        let ffn = config.intermediate_size;
        layers.push(EncoderLayer {
            attention: SelfAttention {
                query: linear(src, &format!("{p}.attention.self.query"), h, h)?,
                key: linear(src, &format!("{p}.attention.self.key"), h, h)?,
                value: linear(src, &format!("{p}.attention.self.value"), h, h)?,
                output: linear(src, &format!("{p}.attention.output.dense"), h, h)?,
                layer_norm: layer_norm(
                    src,
                    &format!("{p}.attention.output.LayerNorm"),
                    config,
                    device,
                )?,
                attention_dropout: Dropout::new(config.attention_probs_dropout_prob),
                output_dropout: Dropout::new(config.hidden_dropout_prob),
                num_heads: config.num_attention_heads,
            },
            intermediate: linear(src, &format!("{p}.intermediate.dense"), h, ffn)?,
            output: linear(src, &format!("{p}.output.dense"), ffn, h)?,
            layer_norm: layer_norm(src, &format!("{p}.output.LayerNorm"), config, device)?,
            dropout: Dropout::new(config.hidden_dropout_prob),
            activation: Activation::new(config.hidden_act),
        });
    }
    Ok((embeddings, layers))
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

pub fn build_head<B: Backend, S: ParamSource<B>>(
    config: &MaskedLmConfig,
    device: &B::Device,
    src: &mut S,
) -> Result<MlmHead<B>, ModelError> {
    let names = head_names(config.model_type);
    let h = config.hidden_size;
    Ok(MlmHead {
        dense: linear(src, names.dense, h, h)?,
        layer_norm: layer_norm(src, names.layer_norm, config, device)?,
        bias: Param::from_tensor(src.tensor1(names.bias, config.vocab_size, ParamRole::Bias)?),
        activation: Activation::new(head_act(config)),
    })
}

pub fn build<B: Backend, S: ParamSource<B>>(
    config: &MaskedLmConfig,
    device: &B::Device,
    src: &mut S,
) -> Result<MaskedLm<B>, ModelError> {
    let (embeddings, layers) = build_encoder(config, device, src)?;
    let head = build_head(config, device, src)?;
    Ok(MaskedLm {
        embeddings,
        layers,
        head,
        config: config.clone(),
    })
}
