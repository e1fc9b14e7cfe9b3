//! `unmask fill-mask`: the masked LM's one-step prediction, as transformers' pipeline.

use std::path::PathBuf;

use anyhow::{Result, bail};
use burn::tensor::backend::AutodiffBackend;
use unmask_roberta::fill_mask::{Candidate, top_k_of};
use unmask_runtime::denoiser::MaskedLmDenoiser;
use unmask_runtime::device::BackendJob;
use unmask_runtime::masked_lm::AnyMaskedLm;
use unmask_sampler::Denoiser;
use unmask_text::TextTokenizer;

pub struct FillMask {
    pub model_dir: PathBuf,
    pub text: String,
    pub top_k: usize,
}

impl BackendJob for FillMask {
    /// One list of candidates per mask, in text order.
    type Output = Vec<Vec<Candidate>>;

    fn run<B: AutodiffBackend>(self, device: B::Device) -> Result<Self::Output> {
        if self.top_k == 0 {
            bail!("--top-k must be at least 1");
        }
        let tokenizer = TextTokenizer::from_dir(&self.model_dir)?;
        let mask = tokenizer.special().mask;
        let mask_str = tokenizer.special().mask_str.clone();
        if !self.text.contains(&mask_str) {
            bail!(
                "the text has no `{mask_str}`: put this model's mask token where a word should be predicted"
            );
        }
        let loaded = AnyMaskedLm::<B::InnerBackend>::load(&self.model_dir, &device)?;
        if loaded.fresh_head {
            eprintln!(
                "warning: {} has no MLM head; predictions come from a randomly initialised head",
                self.model_dir.display()
            );
        }
        unmask_runtime::source::check_vocab(&tokenizer, loaded.model.vocab_size())?;
        let ids = tokenizer.encode(&self.text, true)?;
        let max_len = loaded.model.max_sequence_len();
        if ids.len() > max_len {
            bail!(
                "the text is {} tokens long; this model takes at most {max_len}",
                ids.len()
            );
        }
        let positions: Vec<usize> = (0..ids.len()).filter(|&i| ids[i] == mask).collect();
        let mut denoiser = MaskedLmDenoiser::new(loaded.model, device);
        let logits = denoiser.logits(&[&ids], &[&positions])?.remove(0);
        let vocab = denoiser.vocab_size();
        let per_mask: Vec<(usize, Vec<(u32, f32)>)> = positions
            .iter()
            .zip(logits.chunks_exact(vocab))
            .map(|(&position, row)| (position, top_k_of(&softmax(row), self.top_k.min(vocab))))
            .collect();
        // transformers' pipeline strips special tokens from `sequence` only for a single mask.
        let skip_special = per_mask.len() == 1;
        let mut out = Vec::with_capacity(per_mask.len());
        for (position, candidates) in per_mask {
            // NaN or infinite scores are a broken model, not a prediction: never printed.
            if let Some((_, score)) = candidates.iter().find(|(_, score)| !score.is_finite()) {
                bail!(
                    "the model scores the mask at token {position} as {score}: the weights in {} \
                     hold NaN or infinite values (a training run that diverged?)",
                    self.model_dir.display()
                );
            }
            let mut list = Vec::with_capacity(candidates.len());
            for (token, score) in candidates {
                let mut filled = ids.clone();
                filled[position] = token;
                list.push(Candidate {
                    score,
                    token,
                    token_str: tokenizer.decode(&[token], false)?,
                    sequence: tokenizer.decode(&filled, skip_special)?,
                });
            }
            out.push(list);
        }
        Ok(out)
    }
}

/// Probabilities from one position's logits (in f64, as transformers' softmax is exact to f32).
fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f64> = logits.iter().map(|&l| ((l - max) as f64).exp()).collect();
    let sum: f64 = exp.iter().sum();
    exp.iter().map(|e| (e / sum) as f32).collect()
}

/// Human-readable output: one table per mask.
pub fn print_table(results: &[Vec<Candidate>]) {
    for (i, candidates) in results.iter().enumerate() {
        if results.len() > 1 {
            println!("mask {}:", i + 1);
        }
        for c in candidates {
            println!(
                "  {:>7.4}  {:>6}  {:<16}  {}",
                c.score,
                c.token,
                format!("{:?}", c.token_str),
                c.sequence
            );
        }
    }
}

/// `--json`: the pipeline's shape: a list of candidates for one mask, a list of lists for several.
pub fn to_json(results: &[Vec<Candidate>]) -> serde_json::Value {
    if results.len() == 1 {
        serde_json::to_value(&results[0]).expect("serializable")
    } else {
        serde_json::to_value(results).expect("serializable")
    }
}
