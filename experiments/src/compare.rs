//! The comparison behind `bert-vs-diffusion`, `pretrained-init` and `schedules`: every
//! masked LM measured the same way on the same held-out text, prompts and sampler.

use anyhow::Result;
use burn::tensor::backend::AutodiffBackend;
use serde::Serialize;
use unmask_eval::{GenPplReport, SampleStats};

use crate::context::Context;
use crate::measure::{self, HeldOutScores, MaskedModel, Samples};
use crate::models::TrainedModel;

/// One model's row of a comparison.
#[derive(Debug, Clone, Serialize)]
pub struct ModelResult {
    pub model: TrainedModel,
    pub scores: HeldOutScores,
    /// Continuations of held-out prompts.
    pub prompted: Generated,
    /// Text from a fully masked canvas (no prompt).
    pub unprompted: Generated,
}

#[derive(Debug, Clone, Serialize)]
pub struct Generated {
    pub samples: Samples,
    pub gen_ppl: GenPplReport,
    pub stats: SampleStats,
}

pub fn measure_masked<B: AutodiffBackend>(
    ctx: &mut Context<B>,
    model: &TrainedModel,
) -> Result<ModelResult> {
    eprintln!("[{}] measuring", model.label);
    let preset = ctx.preset.clone();
    let mut masked = MaskedModel::<B::InnerBackend>::load(&model.dir, &ctx.device)?;
    let scores = measure::held_out_scores(&mut masked, &ctx.held_out, &preset)?;
    let e = &preset.eval;
    let prompted = measure::diffusion_samples(
        &mut masked,
        &ctx.prompts,
        e.gen_len,
        &e.policy,
        e.steps,
        preset.seed,
    )?;
    let empty = vec![String::new(); ctx.prompts.len()];
    let unprompted = measure::diffusion_samples(
        &mut masked,
        &empty,
        e.gen_len,
        &e.policy,
        e.steps,
        preset.seed,
    )?;
    let prompted = ctx.score(&masked.tokenizer, prompted)?;
    let unprompted = ctx.score(&masked.tokenizer, unprompted)?;
    Ok(ModelResult {
        model: model.clone(),
        scores,
        prompted,
        unprompted,
    })
}
