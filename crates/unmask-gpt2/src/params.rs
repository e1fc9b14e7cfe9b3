//! One construction of the model, fed by a source of named parameters: random init for
//! training from scratch, or a checkpoint. Names are those of Hugging Face transformers'
//! `GPT2Model` (without the `transformer.` prefix, which the checkpoint source handles).
//! GPT-2's `Conv1D` stores weights `[in, out]`, the layout of burn's `Linear`, so nothing
//! is transposed.

use burn::module::{Initializer, Param};
use burn::nn::{Embedding, LayerNorm, LayerNormConfig, Linear};
use burn::tensor::{Tensor, backend::Backend};
use unmask_nn::{Activation, Dropout};

use crate::attention::CausalSelfAttention;
use crate::block::Block;
use crate::config::Gpt2Config;
use crate::error::Gpt2Error;
use crate::mlp::Mlp;
use crate::model::Gpt2LmHead;

/// How a parameter is initialised when it does not come from a checkpoint
/// (transformers' `GPT2PreTrainedModel._init_weights`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ParamRole {
    /// N(0, std).
    Weight { std: f64 },
    /// Zeros.
    Bias,
    /// LayerNorm scale: ones.
    Scale,
}

/// Hands out parameters by Hugging Face name and shape.
pub trait ParamSource<B: Backend> {
    fn tensor1(
        &mut self,
        name: &str,
        dim: usize,
        role: ParamRole,
    ) -> Result<Tensor<B, 1>, Gpt2Error>;
    fn tensor2(
        &mut self,
        name: &str,
        shape: [usize; 2],
        role: ParamRole,
    ) -> Result<Tensor<B, 2>, Gpt2Error>;
}

/// Random initialisation with GPT-2's scheme.
pub struct RandomInit<'a, B: Backend> {
    pub device: &'a B::Device,
}

impl<B: Backend> RandomInit<'_, B> {
    fn init<const D: usize>(&self, shape: [usize; D], role: ParamRole) -> Tensor<B, D> {
        let init = match role {
            ParamRole::Weight { std } => Initializer::Normal { mean: 0.0, std },
            ParamRole::Bias => Initializer::Zeros,
            ParamRole::Scale => Initializer::Ones,
        };
        init.init(shape, self.device).val()
    }
}

impl<B: Backend> ParamSource<B> for RandomInit<'_, B> {
    fn tensor1(&mut self, _: &str, dim: usize, role: ParamRole) -> Result<Tensor<B, 1>, Gpt2Error> {
        Ok(self.init([dim], role))
    }
    fn tensor2(
        &mut self,
        _: &str,
        shape: [usize; 2],
        role: ParamRole,
    ) -> Result<Tensor<B, 2>, Gpt2Error> {
        Ok(self.init(shape, role))
    }
}

pub const WTE: &str = "wte.weight";
pub const WPE: &str = "wpe.weight";

pub fn block_prefix(i: usize) -> String {
    format!("h.{i}")
}

fn linear<B: Backend, S: ParamSource<B>>(
    src: &mut S,
    name: &str,
    d_in: usize,
    d_out: usize,
    std: f64,
) -> Result<Linear<B>, Gpt2Error> {
    let weight = src.tensor2(
        &format!("{name}.weight"),
        [d_in, d_out],
        ParamRole::Weight { std },
    )?;
    let bias = src.tensor1(&format!("{name}.bias"), d_out, ParamRole::Bias)?;
    Ok(Linear {
        weight: Param::from_tensor(weight),
        bias: Some(Param::from_tensor(bias)),
    })
}

fn layer_norm<B: Backend, S: ParamSource<B>>(
    src: &mut S,
    name: &str,
    config: &Gpt2Config,
    device: &B::Device,
) -> Result<LayerNorm<B>, Gpt2Error> {
    let d = config.n_embd;
    let mut ln = LayerNormConfig::new(d)
        .with_epsilon(config.layer_norm_epsilon)
        .init(device);
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
    std: f64,
) -> Result<Embedding<B>, Gpt2Error> {
    Ok(Embedding {
        weight: Param::from_tensor(src.tensor2(name, shape, ParamRole::Weight { std })?),
    })
}

pub fn build<B: Backend, S: ParamSource<B>>(
    config: &Gpt2Config,
    device: &B::Device,
    src: &mut S,
) -> Result<Gpt2LmHead<B>, Gpt2Error> {
    config.validate()?;
    let d = config.n_embd;
    let std = config.initializer_range;
    // GPT-2 scales the init of the projections that write into the residual stream.
    let proj_std = std / (2.0 * config.n_layer as f64).sqrt();
    let wte = embedding(src, WTE, [config.vocab_size, d], std)?;
    let wpe = embedding(src, WPE, [config.n_positions, d], std)?;
    let mut blocks = Vec::with_capacity(config.n_layer);
    for i in 0..config.n_layer {
        let p = block_prefix(i);
        blocks.push(Block {
            ln_1: layer_norm(src, &format!("{p}.ln_1"), config, device)?,
            attn: CausalSelfAttention {
                c_attn: linear(src, &format!("{p}.attn.c_attn"), d, 3 * d, std)?,
                c_proj: linear(src, &format!("{p}.attn.c_proj"), d, d, proj_std)?,
                attn_dropout: Dropout::new(config.attn_pdrop),
                resid_dropout: Dropout::new(config.resid_pdrop),
                n_head: config.n_head,
                scale: config.attention_scale(i),
            },
            ln_2: layer_norm(src, &format!("{p}.ln_2"), config, device)?,
            mlp: Mlp {
                c_fc: linear(src, &format!("{p}.mlp.c_fc"), d, config.inner_dim(), std)?,
                c_proj: linear(
                    src,
                    &format!("{p}.mlp.c_proj"),
                    config.inner_dim(),
                    d,
                    proj_std,
                )?,
                activation: Activation::new(config.activation_function),
                dropout: Dropout::new(config.resid_pdrop),
            },
        });
    }
    let ln_f = layer_norm(src, "ln_f", config, device)?;
    Ok(Gpt2LmHead {
        wte,
        wpe,
        dropout: Dropout::new(config.embd_pdrop),
        blocks,
        ln_f,
        config: config.clone(),
    })
}
