//! A causal LM (a causal ModernBERT or a GPT-2) with its tokenizer: the autoregressive
//! baseline, measured by held-out NLL on the blocks the masked LMs' bound is measured on, or
//! the evaluator that scores samples.

use std::path::Path;

use anyhow::Result;
use burn::tensor::backend::Backend;
use serde::Serialize;
use unmask_text::TextTokenizer;

use crate::causal_lm::{AnyCausalLm, CausalLmScorer};
use crate::measure::held_out::word_count;
use crate::source::check_vocab;

pub struct CausalModel<B: Backend> {
    pub tokenizer: TextTokenizer,
    pub scorer: CausalLmScorer<B>,
}

impl<B: Backend> CausalModel<B> {
    /// The causal LM and the tokenizer in `dir`; a tokenizer whose ids run past the model's
    /// vocabulary is an error.
    pub fn load(dir: &Path, device: &B::Device) -> Result<Self> {
        let tokenizer = TextTokenizer::from_dir(dir)?;
        let model = AnyCausalLm::load(dir, device)?;
        check_vocab(&tokenizer, model.vocab_size())
            .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        Ok(Self {
            tokenizer,
            scorer: CausalLmScorer {
                model,
                device: device.clone(),
            },
        })
    }
}

/// Held-out NLL of a causal LM, per token and per whitespace word.
#[derive(Debug, Clone, Serialize)]
pub struct CausalScores {
    /// Mean NLL of the scored tokens (nats).
    pub nll_per_token: f64,
    pub perplexity: f64,
    /// The same total over the whitespace words of the blocks: comparable across tokenizers
    /// and with a masked LM's bound per word.
    pub nll_per_word: f64,
    /// Scored tokens: the blocks' non-special tokens (the bound's denominator).
    pub tokens: usize,
    pub words: usize,
}

/// Held-out NLL of `model` on `blocks` (the blocks the masked LMs' bound is measured on):
/// each block read after a BOS token, every non-special token scored given its prefix, so
/// the count of scored tokens equals the bound's denominator. `on_block` runs after each
/// block.
pub fn causal_scores<B: Backend>(
    model: &mut CausalModel<B>,
    blocks: &[Vec<u32>],
    mut on_block: impl FnMut(),
) -> Result<CausalScores> {
    let special = model.tokenizer.special().clone();
    let skip = special.ids();
    let (mut total, mut count, mut words) = (0.0f64, 0usize, 0usize);
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
        words += word_count(&model.tokenizer.decode(block, true)?);
        on_block();
    }
    if count == 0 {
        anyhow::bail!("no scorable (non-special) tokens in the held-out blocks");
    }
    let nll_per_token = total / count as f64;
    Ok(CausalScores {
        nll_per_token,
        perplexity: nll_per_token.exp(),
        nll_per_word: total / words.max(1) as f64,
        tokens: count,
        words,
    })
}
