use crate::{EvalError, Maskable};

/// How held-out sequences are masked and batched: shared by [`crate::perplexity_bound`] and
/// [`crate::loss_by_mask_rate`].
#[derive(Debug, Clone, PartialEq)]
pub struct MaskingOptions {
    pub maskable: Maskable,
    /// Masked sequences per model call.
    pub batch_size: usize,
    /// Keys the mask streams (see [`crate::mask_draw`]); keep it fixed to compare models.
    pub seed: u64,
}

impl MaskingOptions {
    pub const DEFAULT_BATCH_SIZE: usize = 8;
    pub const DEFAULT_SEED: u64 = 0;

    /// Every position maskable, batches of 8, seed 0.
    pub fn new(mask_id: u32) -> Self {
        Self {
            maskable: Maskable::new(mask_id),
            batch_size: Self::DEFAULT_BATCH_SIZE,
            seed: Self::DEFAULT_SEED,
        }
    }

    pub fn with_protected_ids(mut self, ids: impl IntoIterator<Item = u32>) -> Self {
        self.maskable = self.maskable.with_protected_ids(ids);
        self
    }

    pub fn with_prompt_len(mut self, prompt_len: usize) -> Self {
        self.maskable = self.maskable.with_prompt_len(prompt_len);
        self
    }

    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    pub(crate) fn check(&self) -> Result<(), EvalError> {
        if self.batch_size == 0 {
            return Err(EvalError::InvalidOption {
                option: "batch size",
                value: "0".to_string(),
                expected: "at least 1 sequence per model call",
            });
        }
        Ok(())
    }
}
