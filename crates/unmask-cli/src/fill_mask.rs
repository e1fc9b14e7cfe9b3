//! `unmask fill-mask`: the masked LM's one-step prediction, as transformers' pipeline.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use burn::tensor::backend::AutodiffBackend;
use unmask_roberta::fill_mask::{Candidate, top_k_at_masks};
use unmask_roberta::load_masked_lm;
use unmask_runtime::device::BackendJob;
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
        let (model, report) = load_masked_lm::<B::InnerBackend>(&self.model_dir, &device)
            .with_context(|| format!("loading the model in {}", self.model_dir.display()))?;
        if report.fresh_head {
            eprintln!(
                "warning: {} has no MLM head; predictions come from a randomly initialised head",
                report.weights.display()
            );
        }
        unmask_runtime::source::check_vocab(&tokenizer, model.config().vocab_size)?;
        let ids = tokenizer.encode(&self.text, true)?;
        let per_mask = top_k_at_masks(&model, &ids, mask, self.top_k, &device)?;
        // transformers' pipeline strips special tokens from `sequence` only for a single mask.
        let skip_special = per_mask.len() == 1;
        let mut out = Vec::with_capacity(per_mask.len());
        for (position, candidates) in per_mask {
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
