//! Any masked LM the project loads, behind one type: BERT/RoBERTa (MiniLM included) or
//! ModernBERT, told apart by `config.json`'s `model_type`.

use std::path::Path;

use anyhow::{Context, Result};
use burn::tensor::{Int, Tensor, backend::Backend};
use unmask_modernbert::{ModernBert, load_modernbert};
use unmask_nn::tensor_file::model_type;
use unmask_roberta::{MaskedLm, load_masked_lm};

// One model per process: the size difference of the variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum AnyMaskedLm<B: Backend> {
    Bert(MaskedLm<B>),
    ModernBert(ModernBert<B>),
}

impl<B: Backend> From<MaskedLm<B>> for AnyMaskedLm<B> {
    fn from(model: MaskedLm<B>) -> Self {
        Self::Bert(model)
    }
}

impl<B: Backend> From<ModernBert<B>> for AnyMaskedLm<B> {
    fn from(model: ModernBert<B>) -> Self {
        Self::ModernBert(model)
    }
}

/// A loaded masked LM and whether its MLM head was freshly initialised (the checkpoint had
/// none).
pub struct Loaded<B: Backend> {
    pub model: AnyMaskedLm<B>,
    pub fresh_head: bool,
}

impl<B: Backend> AnyMaskedLm<B> {
    /// Loads the masked LM in `dir` (BERT, RoBERTa or ModernBERT).
    pub fn load(dir: &Path, device: &B::Device) -> Result<Loaded<B>> {
        let context = || format!("loading the model in {}", dir.display());
        if model_type(dir).with_context(context)? == "modernbert" {
            let (model, report) = load_modernbert::<B>(dir, device).with_context(context)?;
            if model.config().causal {
                anyhow::bail!(
                    "{}: this ModernBERT was trained as a causal LM (`causal: true` in config.json); \
                     it predicts next tokens, not masked ones",
                    dir.display()
                );
            }
            return Ok(Loaded {
                model: model.into(),
                fresh_head: report.fresh_head,
            });
        }
        let (model, report) = load_masked_lm::<B>(dir, device).with_context(context)?;
        Ok(Loaded {
            model: model.into(),
            fresh_head: report.fresh_head,
        })
    }

    pub fn vocab_size(&self) -> usize {
        match self {
            Self::Bert(m) => m.config().vocab_size,
            Self::ModernBert(m) => m.config().vocab_size,
        }
    }

    pub fn pad_token_id(&self) -> usize {
        match self {
            Self::Bert(m) => m.config().pad_token_id,
            Self::ModernBert(m) => m.config().pad_token_id,
        }
    }

    /// The longest sequence the model takes.
    pub fn max_sequence_len(&self) -> usize {
        match self {
            Self::Bert(m) => m.config().max_sequence_len(),
            Self::ModernBert(m) => m.config().max_sequence_len(),
        }
    }

    /// Last hidden states; `attention_mask` 1 for tokens, 0 for (right) padding.
    pub fn encode(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Option<Tensor<B, 2, Int>>,
    ) -> Tensor<B, 3> {
        match self {
            Self::Bert(m) => m.encode(input_ids, attention_mask, None),
            Self::ModernBert(m) => m.encode(input_ids, attention_mask),
        }
    }

    /// `[n, vocab]` logits at `flat_positions` of `hidden`.
    pub fn logits_at(
        &self,
        hidden: Tensor<B, 3>,
        flat_positions: Tensor<B, 1, Int>,
    ) -> Tensor<B, 2> {
        match self {
            Self::Bert(m) => m.logits_at(hidden, flat_positions),
            Self::ModernBert(m) => m.logits_at(hidden, flat_positions),
        }
    }
}
