use super::{BlockRule, RowFailure, StepContext};
use crate::token_sampler::{Confidence, Draw, TokenSampler};

/// Threshold parallel decoding (Fast-dLLM): commit every masked position of the block whose
/// sampled token has probability >= `threshold`, and at least one per step.
///
/// The block's budget is an upper bound: with `m` masks and `r` steps left (this one
/// included) the step commits at least `ceil(m / r)`, the most confident first, so the
/// block always finishes in time; a block that finishes early leaves its steps to later blocks.
pub(crate) struct ThresholdRule {
    threshold: f64,
    draws: Vec<Draw>,
    order: Vec<usize>,
}

impl ThresholdRule {
    pub fn new(threshold: f64) -> Self {
        Self {
            threshold,
            draws: Vec::new(),
            order: Vec::new(),
        }
    }
}

impl BlockRule for ThresholdRule {
    fn request(&mut self, cx: &mut StepContext<'_>, out: &mut Vec<usize>) {
        cx.masked_in_block(out);
    }

    fn apply(
        &mut self,
        cx: &mut StepContext<'_>,
        requested: &[usize],
        logits: &mut [f32],
        tokens: &mut TokenSampler,
        committed: &mut Vec<usize>,
    ) -> Result<(), RowFailure> {
        cx.draw_all(requested, logits, tokens, Confidence::Prob, &mut self.draws)?;
        let masked = requested.len();
        let steps_left = cx.budget - cx.step;
        let confident = self
            .draws
            .iter()
            .filter(|d| d.confidence >= self.threshold)
            .count();
        let count = confident
            .max(masked.div_ceil(steps_left))
            .max(1)
            .min(masked);
        cx.commit_best(requested, &self.draws, count, &mut self.order, committed);
        Ok(())
    }
}
