//! The model's one walk over its parameters by Hugging Face name (`GPT2LMHeadModel`'s names,
//! `transformer.` before each), which random init, loading and saving all go through
//! (`unmask_nn::hf_params`), and the skeleton the walk fills. GPT-2's `Conv1D` stores
//! weights `[in, out]`, the layout of burn's `Linear`, so nothing is transposed.

use burn::nn::{Embedding, LayerNorm, LayerNormConfig, Linear};
use burn::tensor::backend::Backend;
use unmask_nn::hf_params::{
    Init, Layout, ParamVisitor, placeholder, visit_embedding, visit_layer_norm,
};
use unmask_nn::{Activation, Dropout, ModelError};

use crate::attention::CausalSelfAttention;
use crate::block::Block;
use crate::config::Gpt2Config;
use crate::error::Gpt2Error;
use crate::mlp::Mlp;
use crate::model::Gpt2LmHead;

/// The prefix `GPT2LMHeadModel` puts before the `GPT2Model` names (the original `gpt2`
/// checkpoint has none).
pub const MODEL_PREFIX: &str = "transformer.";
pub const WTE: &str = "transformer.wte.weight";
/// The LM head, tied to [`WTE`]; transformers saves it only for untied models.
pub const LM_HEAD: &str = "lm_head.weight";

fn conv1d<B: Backend>(d_in: usize, d_out: usize, device: &B::Device) -> Linear<B> {
    Linear {
        weight: placeholder([d_in, d_out], device),
        bias: Some(placeholder([d_out], device)),
    }
}

fn layer_norm<B: Backend>(config: &Gpt2Config, device: &B::Device) -> LayerNorm<B> {
    let d = config.n_embd;
    let mut norm = LayerNormConfig::new(d)
        .with_epsilon(config.layer_norm_epsilon)
        .init(device);
    norm.gamma = placeholder([d], device);
    norm.beta = Some(placeholder([d], device));
    norm
}

/// The model with every parameter shaped but not computed; a walk fills them. Fails only
/// on an invalid config.
pub fn skeleton<B: Backend>(
    config: &Gpt2Config,
    device: &B::Device,
) -> Result<Gpt2LmHead<B>, Gpt2Error> {
    config.validate()?;
    let d = config.n_embd;
    let blocks = (0..config.n_layer)
        .map(|i| Block {
            ln_1: layer_norm(config, device),
            attn: CausalSelfAttention {
                c_attn: conv1d(d, 3 * d, device),
                c_proj: conv1d(d, d, device),
                attn_dropout: Dropout::new(config.attn_pdrop),
                resid_dropout: Dropout::new(config.resid_pdrop),
                n_head: config.n_head,
                scale: config.attention_scale(i),
            },
            ln_2: layer_norm(config, device),
            mlp: Mlp {
                c_fc: conv1d(d, config.inner_dim(), device),
                c_proj: conv1d(config.inner_dim(), d, device),
                activation: Activation::new(config.activation_function),
                dropout: Dropout::new(config.resid_pdrop),
            },
        })
        .collect();
    Ok(Gpt2LmHead {
        wte: Embedding {
            weight: placeholder([config.vocab_size, d], device),
        },
        wpe: Embedding {
            weight: placeholder([config.n_positions, d], device),
        },
        dropout: Dropout::new(config.embd_pdrop),
        blocks,
        ln_f: layer_norm(config, device),
        config: config.clone(),
    })
}

/// `{name}.weight` (`[in, out]` as stored) and `{name}.bias` of a `Conv1D`.
fn visit_conv1d<B: Backend, V: ParamVisitor<B>>(
    v: &mut V,
    name: &str,
    conv: &mut Linear<B>,
    std: f64,
) -> Result<(), ModelError> {
    v.visit(
        &format!("{name}.weight"),
        &mut conv.weight,
        Layout::Plain,
        Init::Normal { std },
    )?;
    if let Some(bias) = &mut conv.bias {
        v.visit(&format!("{name}.bias"), bias, Layout::Plain, Init::Zeros)?;
    }
    Ok(())
}

impl<B: Backend> Gpt2LmHead<B> {
    /// Every parameter, by Hugging Face name, initialised as transformers'
    /// `GPT2PreTrainedModel._init_weights`: N(0, `initializer_range`), the projections that
    /// write into the residual stream scaled down by `sqrt(2 * n_layer)`. Random init draws
    /// in this order: wte, wpe, then per block c_attn, attn.c_proj, c_fc, mlp.c_proj.
    pub fn walk<V: ParamVisitor<B>>(&mut self, v: &mut V) -> Result<(), ModelError> {
        let std = self.config.initializer_range;
        let proj_std = std / (2.0 * self.config.n_layer as f64).sqrt();
        let p = MODEL_PREFIX;
        visit_embedding(v, &format!("{p}wte"), &mut self.wte, Init::Normal { std })?;
        visit_embedding(v, &format!("{p}wpe"), &mut self.wpe, Init::Normal { std })?;
        for (i, block) in self.blocks.iter_mut().enumerate() {
            let b = format!("{p}h.{i}");
            visit_layer_norm(v, &format!("{b}.ln_1"), &mut block.ln_1)?;
            visit_conv1d(v, &format!("{b}.attn.c_attn"), &mut block.attn.c_attn, std)?;
            visit_conv1d(
                v,
                &format!("{b}.attn.c_proj"),
                &mut block.attn.c_proj,
                proj_std,
            )?;
            visit_layer_norm(v, &format!("{b}.ln_2"), &mut block.ln_2)?;
            visit_conv1d(v, &format!("{b}.mlp.c_fc"), &mut block.mlp.c_fc, std)?;
            visit_conv1d(
                v,
                &format!("{b}.mlp.c_proj"),
                &mut block.mlp.c_proj,
                proj_std,
            )?;
        }
        visit_layer_norm(v, &format!("{p}ln_f"), &mut self.ln_f)
    }
}
