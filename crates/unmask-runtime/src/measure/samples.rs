//! Samples after prompts (an empty prompt: from a fully masked canvas, or after BOS alone),
//! from a masked LM through the diffusion sampler or from a causal LM with its KV cache.

use std::time::Instant;

use anyhow::{Result, bail};
use burn::tensor::backend::Backend;
use serde::Serialize;
use unmask_eval::SpeedReport;
use unmask_gpt2::GenerateOptions;
use unmask_sampler::{Canvas, NoObserver, PolicyKind, Sampler, SamplerConfig};

use crate::measure::causal::CausalModel;
use crate::measure::masked::MaskedModel;

/// Top-k and top-p of every sampler in the comparisons (the seed's values), so diffusion
/// and autoregressive samples are drawn alike.
pub const TOP_K: usize = 50;
pub const TOP_P: f64 = 0.95;

/// Samples after the prompts, as generated ids and text.
#[derive(Debug, Clone, Serialize)]
pub struct Samples {
    pub prompts: Vec<String>,
    /// The generated continuation (generator token ids, prompt excluded).
    pub tokens: Vec<Vec<u32>>,
    pub texts: Vec<String>,
    pub speed: SpeedReport,
}

/// `gen_len` tokens after each prompt from `model` with `policy` in `steps` steps (top-k
/// [`TOP_K`], top-p [`TOP_P`]; special tokens other than the mask are never drawn).
pub fn diffusion_samples<B: Backend>(
    model: &mut MaskedModel<B>,
    prompts: &[String],
    gen_len: usize,
    policy: PolicyKind,
    steps: usize,
    seed: u64,
) -> Result<Samples> {
    let sampler = diffusion_sampler(model, policy, steps, seed)?;
    diffusion_samples_with(model, prompts, gen_len, &sampler)
}

/// [`diffusion_samples`] drawn by `sampler`: [`diffusion_config`] changed where a measurement
/// needs it (blocks, a block cache).
pub fn diffusion_samples_with<B: Backend>(
    model: &mut MaskedModel<B>,
    prompts: &[String],
    gen_len: usize,
    sampler: &Sampler,
) -> Result<Samples> {
    let canvases = prompts
        .iter()
        .map(|prompt| prompt_canvas(model, prompt, gen_len))
        .collect::<Result<Vec<_>>>()?;
    let generation = sampler.generate(&mut model.denoiser, canvases, &mut NoObserver)?;
    let mut tokens = Vec::new();
    let mut texts = Vec::new();
    for canvas in &generation.canvases {
        let ids: Vec<u32> = canvas
            .generated_positions()
            .iter()
            .map(|&p| canvas.tokens()[p])
            .collect();
        texts.push(model.tokenizer.decode(&ids, true)?);
        tokens.push(ids);
    }
    let generated = tokens.iter().map(Vec::len).sum();
    Ok(Samples {
        prompts: prompts.to_vec(),
        tokens,
        texts,
        speed: SpeedReport::from_duration(generation.nfe, generated, generation.wall_time),
    })
}

/// The sampler of [`diffusion_samples`]: `policy` in `steps` steps, top-k [`TOP_K`], top-p
/// [`TOP_P`], every special token but the mask forbidden.
pub fn diffusion_sampler<B: Backend>(
    model: &MaskedModel<B>,
    policy: PolicyKind,
    steps: usize,
    seed: u64,
) -> Result<Sampler> {
    Ok(Sampler::new(diffusion_config(model, policy, steps, seed))?)
}

/// The configuration of [`diffusion_sampler`].
pub fn diffusion_config<B: Backend>(
    model: &MaskedModel<B>,
    policy: PolicyKind,
    steps: usize,
    seed: u64,
) -> SamplerConfig {
    let special = model.tokenizer.special();
    let mut forbidden = special.ids();
    forbidden.retain(|&id| id != special.mask);
    SamplerConfig {
        policy,
        steps,
        top_k: Some(TOP_K),
        top_p: Some(TOP_P),
        forbidden,
        seed,
        ..SamplerConfig::default()
    }
}

/// `<s>`, the prompt (none when empty), `gen_len` masks, `</s>`; a canvas longer than the
/// model's positions is an error.
pub fn prompt_canvas<B: Backend>(
    model: &MaskedModel<B>,
    prompt: &str,
    gen_len: usize,
) -> Result<Canvas> {
    let special = model.tokenizer.special();
    let mut prefix = vec![special.bos];
    prefix.extend(model.tokenizer.encode(prompt, false)?);
    let canvas = Canvas::prompted(&prefix, gen_len, &[special.eos], special.mask)?;
    let max_len = model.model().max_sequence_len();
    if canvas.tokens().len() > max_len {
        bail!(
            "a canvas of {} tokens ({} of BOS and prompt, {gen_len} to generate, EOS) exceeds \
             the model's {max_len} positions: generate fewer tokens",
            canvas.tokens().len(),
            prefix.len()
        );
    }
    Ok(canvas)
}

/// Continues every prompt by `gen_len` tokens (one prompt at a time, KV cache; top-k
/// [`TOP_K`], top-p [`TOP_P`], sample `i` seeded `seed + i`).
pub fn causal_samples<B: Backend>(
    model: &CausalModel<B>,
    prompts: &[String],
    gen_len: usize,
    seed: u64,
) -> Result<Samples> {
    let bos = model.tokenizer.special().bos;
    let started = Instant::now();
    let mut nfe = 0;
    let mut tokens = Vec::new();
    let mut texts = Vec::new();
    for (i, prompt) in prompts.iter().enumerate() {
        let mut prefix = vec![bos];
        prefix.extend(model.tokenizer.encode(prompt, false)?);
        let options = GenerateOptions {
            max_new_tokens: gen_len,
            temperature: 1.0,
            top_k: Some(TOP_K),
            top_p: Some(TOP_P as f32),
            seed: seed.wrapping_add(i as u64),
            stop_at_eos: false,
        };
        let causal = &model.scorer;
        let generation = causal.model.generate(&prefix, &options, &causal.device)?;
        nfe += generation.model_calls;
        texts.push(model.tokenizer.decode(&generation.tokens, true)?);
        tokens.push(generation.tokens);
    }
    let generated = tokens.iter().map(Vec::len).sum();
    Ok(Samples {
        prompts: prompts.to_vec(),
        tokens,
        texts,
        speed: SpeedReport::from_duration(nfe, generated, started.elapsed()),
    })
}
