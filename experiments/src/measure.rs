//! Measuring one model: the perplexity bound and loss-vs-mask-rate curve of a masked LM on
//! held-out blocks, samples from a prompt (diffusion sampler or causal LM), and the samples'
//! generative perplexity under the evaluator (a causal LM).

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use burn::tensor::backend::Backend;
use serde::Serialize;
use unmask_eval::{
    BoundOptions, BoundReport, GenPplReport, MaskingOptions, RateLoss, SpeedReport,
    generative_perplexity_retokenized, loss_by_mask_rate, perplexity_bound,
};
use unmask_gpt2::GenerateOptions;
use unmask_runtime::causal_lm::{AnyCausalLm, CausalLmScorer};
use unmask_runtime::denoiser::MaskedLmDenoiser;
use unmask_runtime::masked_lm::AnyMaskedLm;
use unmask_sampler::{Canvas, NoObserver, Sampler, SamplerConfig};
use unmask_text::TextTokenizer;

use crate::held_out::{HeldOut, word_count};
use crate::preset::Preset;

/// Top-k and top-p of every sampler in the comparisons (the seed's values), so diffusion
/// and autoregressive samples are drawn alike.
pub const TOP_K: usize = 50;
pub const TOP_P: f64 = 0.95;

/// A trained masked LM with its tokenizer, ready to be measured.
pub struct MaskedModel<B: Backend> {
    pub tokenizer: TextTokenizer,
    pub denoiser: MaskedLmDenoiser<B>,
}

impl<B: Backend> MaskedModel<B> {
    pub fn load(dir: &Path, device: &B::Device) -> Result<Self> {
        let tokenizer = TextTokenizer::from_dir(dir)?;
        let model = AnyMaskedLm::<B>::load(dir, device)?.model;
        Ok(Self {
            tokenizer,
            denoiser: MaskedLmDenoiser::new(model, device.clone()),
        })
    }

    fn model(&self) -> &AnyMaskedLm<B> {
        &self.denoiser.model
    }

    fn masking(&self, seed: u64) -> MaskingOptions {
        let special = self.tokenizer.special();
        MaskingOptions::new(special.mask)
            .with_protected_ids(special.ids())
            .with_seed(seed)
    }
}

/// The bound and the loss curve of one masked LM.
#[derive(Debug, Clone, Serialize)]
pub struct HeldOutScores {
    pub bound: BoundReport,
    /// Words of the measured blocks (for the per-word figures).
    pub words: usize,
    /// The bound per whitespace word (nats): comparable across tokenizers.
    pub nll_per_word: f64,
    pub rate_losses: Vec<RateLoss>,
}

pub fn held_out_scores<B: Backend>(
    model: &mut MaskedModel<B>,
    held_out: &HeldOut,
    preset: &Preset,
) -> Result<HeldOutScores> {
    let block_len = preset.data.block_len.min(model.model().max_sequence_len());
    let blocks = held_out.blocks(&model.tokenizer, block_len, preset.eval.sequences)?;
    let masking = model.masking(preset.seed);
    let bound = perplexity_bound(
        &mut model.denoiser,
        &blocks,
        &BoundOptions::new(masking.maskable.mask_id)
            .with_quadrature_nodes(preset.eval.quadrature_nodes)
            .with_masking(masking.clone()),
    )?;
    let mut words = 0;
    for block in &blocks {
        words += word_count(&model.tokenizer.decode(block, true)?);
    }
    let rate_losses = loss_by_mask_rate(
        &mut model.denoiser,
        &blocks,
        &preset.eval.mask_rates,
        &masking,
    )?;
    Ok(HeldOutScores {
        nll_per_word: bound.nll_per_token * bound.tokens as f64 / words.max(1) as f64,
        bound,
        words,
        rate_losses,
    })
}

/// Samples after the prompts, as generated ids and text.
#[derive(Debug, Clone, Serialize)]
pub struct Samples {
    pub prompts: Vec<String>,
    /// The generated continuation (generator token ids, prompt excluded).
    pub tokens: Vec<Vec<u32>>,
    pub texts: Vec<String>,
    pub speed: SpeedReport,
}

pub fn diffusion_samples<B: Backend>(
    model: &mut MaskedModel<B>,
    prompts: &[String],
    gen_len: usize,
    policy: &str,
    steps: usize,
    seed: u64,
) -> Result<Samples> {
    let special = model.tokenizer.special().clone();
    let mut forbidden = special.ids();
    forbidden.retain(|&id| id != special.mask);
    let sampler = Sampler::new(SamplerConfig {
        policy: policy.to_string(),
        steps,
        top_k: Some(TOP_K),
        top_p: Some(TOP_P),
        forbidden,
        seed,
        ..SamplerConfig::default()
    })?;
    let mut canvases = Vec::with_capacity(prompts.len());
    for prompt in prompts {
        let mut prefix = vec![special.bos];
        prefix.extend(model.tokenizer.encode(prompt, false)?);
        canvases.push(Canvas::prompted(
            &prefix,
            gen_len,
            &[special.eos],
            special.mask,
        )?);
    }
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

/// A causal LM with its tokenizer (a causal ModernBERT or a GPT-2): the autoregressive
/// baseline, or the evaluator.
pub struct CausalModel<B: Backend> {
    pub tokenizer: TextTokenizer,
    pub scorer: CausalLmScorer<B>,
}

impl<B: Backend> CausalModel<B> {
    pub fn load(dir: &Path, device: &B::Device) -> Result<Self> {
        let tokenizer = TextTokenizer::from_dir(dir)?;
        Ok(Self {
            tokenizer,
            scorer: CausalLmScorer {
                model: AnyCausalLm::load(dir, device)?,
                device: device.clone(),
            },
        })
    }

    /// Continues every prompt by `gen_len` tokens (one prompt at a time, KV cache).
    pub fn samples(&self, prompts: &[String], gen_len: usize, seed: u64) -> Result<Samples> {
        let bos = self.tokenizer.special().bos;
        let started = Instant::now();
        let mut nfe = 0;
        let mut tokens = Vec::new();
        let mut texts = Vec::new();
        for (i, prompt) in prompts.iter().enumerate() {
            let mut prefix = vec![bos];
            prefix.extend(self.tokenizer.encode(prompt, false)?);
            let options = GenerateOptions {
                max_new_tokens: gen_len,
                temperature: 1.0,
                top_k: Some(TOP_K),
                top_p: Some(TOP_P as f32),
                seed: seed.wrapping_add(i as u64),
                stop_at_eos: false,
            };
            let causal = &self.scorer;
            let generation = causal.model.generate(&prefix, &options, &causal.device)?;
            nfe += generation.model_calls;
            texts.push(self.tokenizer.decode(&generation.tokens, true)?);
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
}

/// Generative perplexity of `samples` (decoded with `generator`) under `evaluator`: each
/// sample is re-tokenized for the evaluator and scored after its BOS token.
pub fn generative_perplexity<B: Backend>(
    evaluator: &mut CausalModel<B>,
    generator: &TextTokenizer,
    samples: &Samples,
) -> Result<GenPplReport> {
    let eval_tokenizer = evaluator.tokenizer.clone();
    let bos = eval_tokenizer.special().bos;
    let max = evaluator.scorer.model.max_len();
    Ok(generative_perplexity_retokenized(
        &mut evaluator.scorer,
        &samples.tokens,
        |ids| {
            let text = generator.decode(ids, true)?;
            let mut out = vec![bos];
            out.extend(eval_tokenizer.encode(&text, false)?);
            out.truncate(max);
            Ok(out)
        },
    )?)
}

/// Held-out NLL per token of a causal LM on the blocks the masked LMs' bound is measured
/// on: each block read after a BOS token, every maskable (non-special) token scored given
/// its prefix, so the count of scored tokens equals the bound's denominator.
pub fn causal_nll_per_token<B: Backend>(
    model: &mut CausalModel<B>,
    blocks: &[Vec<u32>],
) -> Result<f64> {
    let special = model.tokenizer.special().clone();
    let skip = special.ids();
    let (mut total, mut count) = (0.0f64, 0usize);
    for block in blocks {
        let mut ids = vec![special.bos];
        ids.extend(block);
        let nll = model.scorer.model.token_nll(&ids, &model.scorer.device)?;
        for (token, value) in block.iter().zip(&nll) {
            if !skip.contains(token) {
                total += *value as f64;
                count += 1;
            }
        }
    }
    if count == 0 {
        anyhow::bail!("no maskable tokens in the held-out blocks");
    }
    Ok(total / count as f64)
}
