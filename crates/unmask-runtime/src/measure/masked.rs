//! A masked LM measured on held-out blocks: the ELBO perplexity bound (per token and per
//! whitespace word) and the loss-vs-mask-rate curve, with the same masks for every model.

use std::path::Path;

use anyhow::Result;
use burn::tensor::backend::Backend;
use serde::Serialize;
use unmask_eval::{
    BoundOptions, BoundReport, MaskingOptions, RateLoss, loss_by_mask_rate, perplexity_bound,
};
use unmask_sampler::Denoiser;
use unmask_text::TextTokenizer;

use crate::denoiser::MaskedLmDenoiser;
use crate::masked_lm::AnyMaskedLm;
use crate::measure::call_counter::CallCounter;
use crate::measure::held_out::{HeldOut, word_count};
use crate::source::check_vocab;

/// A trained masked LM with its tokenizer, ready to be measured.
pub struct MaskedModel<B: Backend> {
    pub tokenizer: TextTokenizer,
    pub denoiser: MaskedLmDenoiser<B>,
}

impl<B: Backend> MaskedModel<B> {
    /// The masked LM and the tokenizer in `dir`; a tokenizer whose ids run past the model's
    /// vocabulary is an error.
    pub fn load(dir: &Path, device: &B::Device) -> Result<Self> {
        let tokenizer = TextTokenizer::from_dir(dir)?;
        let model = AnyMaskedLm::<B>::load(dir, device)?.model;
        check_vocab(&tokenizer, model.vocab_size())
            .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        Ok(Self {
            tokenizer,
            denoiser: MaskedLmDenoiser::new(model, device.clone()),
        })
    }

    pub fn model(&self) -> &AnyMaskedLm<B> {
        &self.denoiser.model
    }

    /// The tokenizer's special tokens are never masked; the mask draws follow `seed`.
    pub fn masking(&self, seed: u64) -> MaskingOptions {
        let special = self.tokenizer.special();
        MaskingOptions::new(special.mask)
            .with_protected_ids(special.ids())
            .with_seed(seed)
    }
}

/// What is measured on the held-out blocks, and how.
#[derive(Debug, Clone, Serialize)]
pub struct HeldOutOptions {
    /// Tokens per block (capped at the model's longest sequence).
    pub block_len: usize,
    /// Blocks, spread evenly over the split.
    pub blocks: usize,
    /// Gauss-Legendre nodes of the bound.
    pub quadrature_nodes: usize,
    /// The mask rates of the loss curve.
    pub mask_rates: Vec<f64>,
    /// Seed of the mask draws.
    pub seed: u64,
}

impl HeldOutOptions {
    /// Model calls the measurement makes at most: one per batch of masked blocks, per
    /// quadrature node and per mask rate (a progress bar's length).
    pub fn model_calls(&self, batch_size: usize) -> usize {
        self.blocks.div_ceil(batch_size.max(1)) * (self.quadrature_nodes + self.mask_rates.len())
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

/// The longest block `model` reads: `block_len`, or the model's longest sequence.
pub fn block_len_for<B: Backend>(model: &MaskedModel<B>, block_len: usize) -> usize {
    block_len.min(model.model().max_sequence_len())
}

/// The held-out blocks of `options` under `model`'s tokenizer (every block of the split
/// when it has fewer).
pub fn held_out_blocks<B: Backend>(
    model: &MaskedModel<B>,
    held_out: &HeldOut,
    options: &HeldOutOptions,
) -> Result<Vec<Vec<u32>>> {
    let block_len = block_len_for(model, options.block_len);
    held_out.blocks(&model.tokenizer, block_len, options.blocks)
}

/// The bound and the loss curve of `model` on `blocks`; `on_call` runs after every model call.
pub fn held_out_scores<B: Backend>(
    model: &mut MaskedModel<B>,
    blocks: &[Vec<u32>],
    options: &HeldOutOptions,
    on_call: impl FnMut(),
) -> Result<HeldOutScores> {
    let masking = model.masking(options.seed);
    let mut denoiser = CallCounter::new(&mut model.denoiser, on_call);
    let scores = scores_of(&mut denoiser, blocks, options, &masking)?;
    let mut words = 0;
    for block in blocks {
        words += word_count(&model.tokenizer.decode(block, true)?);
    }
    Ok(HeldOutScores {
        nll_per_word: scores.0.nll_per_token * scores.0.tokens as f64 / words.max(1) as f64,
        bound: scores.0,
        words,
        rate_losses: scores.1,
    })
}

fn scores_of<D: Denoiser>(
    denoiser: &mut D,
    blocks: &[Vec<u32>],
    options: &HeldOutOptions,
    masking: &MaskingOptions,
) -> Result<(BoundReport, Vec<RateLoss>)> {
    let bound = perplexity_bound(
        denoiser,
        blocks,
        &BoundOptions::new(masking.maskable.mask_id)
            .with_quadrature_nodes(options.quadrature_nodes)
            .with_masking(masking.clone()),
    )?;
    let rate_losses = loss_by_mask_rate(denoiser, blocks, &options.mask_rates, masking)?;
    Ok((bound, rate_losses))
}
