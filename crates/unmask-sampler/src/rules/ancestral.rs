use std::sync::Arc;

use rand::Rng;
use unmask_schedule::{MaskSchedule, reveal_probability};

use super::{BlockRule, RowFailure, StepContext};
use crate::token_sampler::{Confidence, Draw, TokenSampler};

/// MDLM's ddpm step from `t = 1 - k/steps` to `s = 1 - (k + 1)/steps`: each masked position
/// is revealed with probability `(alpha_s - alpha_t) / (1 - alpha_t)` (one decision number
/// per masked position, in order), every one on the last step. Revealed tokens are kept.
///
/// Reveals are decided before the model is called and logits are requested only where a
/// token is revealed. This has the distribution of "sample everywhere, keep the revealed
/// ones", and a step that reveals nothing makes no model call: MDLM's cache (reuse the
/// output while the canvas has not changed), with no LM head computed for positions that
/// stay masked.
pub(crate) struct AncestralRule {
    schedule: Arc<dyn MaskSchedule>,
    draws: Vec<Draw>,
}

impl AncestralRule {
    pub fn new(schedule: Arc<dyn MaskSchedule>) -> Self {
        Self {
            schedule,
            draws: Vec::new(),
        }
    }
}

impl BlockRule for AncestralRule {
    fn request(&mut self, cx: &mut StepContext<'_>, out: &mut Vec<usize>) {
        if cx.is_last_step() {
            cx.masked_in_block(out);
            return;
        }
        let t = (cx.budget - cx.step) as f64 / cx.budget as f64;
        let s = (cx.budget - cx.step - 1) as f64 / cx.budget as f64;
        let reveal = reveal_probability(self.schedule.as_ref(), t, s);
        for &position in cx.block {
            if cx.canvas.is_masked(position) && cx.rngs.decisions.random::<f64>() < reveal {
                out.push(position);
            }
        }
    }

    fn apply(
        &mut self,
        cx: &mut StepContext<'_>,
        requested: &[usize],
        logits: &mut [f32],
        tokens: &mut TokenSampler,
        committed: &mut Vec<usize>,
    ) -> Result<(), RowFailure> {
        cx.draw_all(requested, logits, tokens, Confidence::None, &mut self.draws)?;
        cx.commit_all(requested, &self.draws, committed);
        Ok(())
    }
}
