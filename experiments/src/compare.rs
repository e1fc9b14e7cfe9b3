//! The comparison behind `bert-vs-diffusion`, `pretrained-init` and `schedules`: every
//! masked LM measured the same way on the same held-out text, prompts and sampler.

use anyhow::Result;
use burn::tensor::backend::AutodiffBackend;
use serde::Serialize;

use crate::context::Context;
use unmask_runtime::animation::diffusion_animation;
pub use unmask_runtime::measure::{Controls, Generated};
use unmask_sampler::PolicyKind;

use crate::measure::{self, HeldOutScores, MaskedModel};
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
    /// Text from a fully masked canvas with the seed's own loop: the `seed` policy at
    /// `seed_loop_steps` steps.
    pub seed_loop: Generated,
    /// [`SEED_LOOP_STEPS`], or fewer when the model generates fewer tokens.
    pub seed_loop_steps: usize,
    /// The seed loop's first canvas denoising, step by step: an animated SVG.
    #[serde(skip)]
    pub seed_loop_animation: String,
}

/// The seed's generation loop ran ten denoising steps.
pub const SEED_LOOP_STEPS: usize = 10;

/// Measures `model`, or returns its measurement from an earlier experiment of this run
/// (the measurement is deterministic: same blocks, masks, prompts and seeds).
pub fn measure_masked<B: AutodiffBackend>(
    ctx: &mut Context<B>,
    model: &TrainedModel,
) -> Result<ModelResult> {
    if let Some(done) = ctx.measured.get(&model.key) {
        eprintln!("[{}] reusing its measurement", model.label);
        return Ok(done.clone());
    }
    let result = measure_anew(ctx, model)?;
    ctx.measured.insert(model.key.clone(), result.clone());
    Ok(result)
}

fn measure_anew<B: AutodiffBackend>(
    ctx: &mut Context<B>,
    model: &TrainedModel,
) -> Result<ModelResult> {
    eprintln!("[{}] measuring", model.label);
    let preset = ctx.preset.clone();
    let mut masked = MaskedModel::<B::InnerBackend>::load(&model.dir, &ctx.device)?;
    let scores = measure::preset_scores(&mut masked, &ctx.held_out, &preset)?;
    let e = &preset.eval;
    let gen_len = gen_len(&preset, model);
    let prompted = measure::diffusion_samples(
        &mut masked,
        &ctx.prompts,
        gen_len,
        e.policy,
        e.steps.min(gen_len),
        preset.seed,
    )?;
    let empty = vec![String::new(); ctx.prompts.len()];
    let unprompted = measure::diffusion_samples(
        &mut masked,
        &empty,
        gen_len,
        e.policy,
        e.steps.min(gen_len),
        preset.seed,
    )?;
    let seed_loop_steps = SEED_LOOP_STEPS.min(gen_len);
    let seed_loop = measure::diffusion_samples(
        &mut masked,
        &empty,
        gen_len,
        PolicyKind::Seed,
        seed_loop_steps,
        preset.seed,
    )?;
    let seed_loop_animation = diffusion_animation(
        &mut masked,
        "",
        gen_len,
        PolicyKind::Seed,
        seed_loop_steps,
        preset.seed,
        &format!("{} · seed loop · {seed_loop_steps} steps", model.label),
    )?;
    let prompted = ctx.score(&masked.tokenizer, prompted)?;
    let unprompted = ctx.score(&masked.tokenizer, unprompted)?;
    let seed_loop = ctx.score(&masked.tokenizer, seed_loop)?;
    Ok(ModelResult {
        model: model.clone(),
        scores,
        prompted,
        unprompted,
        seed_loop,
        seed_loop_steps,
        seed_loop_animation,
    })
}

/// Tokens generated per sample by `model`: the pretrained encoder's WordPiece tokens hold
/// several bytes each, so it has a length of its own.
pub fn gen_len(preset: &crate::preset::Preset, model: &TrainedModel) -> usize {
    if model.key.starts_with("pretrained") {
        preset.pretrained_budget().gen_len
    } else {
        preset.eval.gen_len
    }
}

/// Real held-out text as long (in words) as the compared models' samples on average, and
/// its shuffled-words control.
pub fn controls<B: AutodiffBackend>(
    ctx: &mut Context<B>,
    results: &[ModelResult],
) -> Result<Controls> {
    let lengths: Vec<f64> = results
        .iter()
        .flat_map(|r| {
            [
                r.prompted.words.mean_words,
                r.unprompted.words.mean_words,
                r.seed_loop.words.mean_words,
            ]
        })
        .collect();
    let words = (lengths.iter().sum::<f64>() / lengths.len().max(1) as f64).round() as usize;
    let n = ctx.prompts.len();
    ctx.controls(n, words)
}
