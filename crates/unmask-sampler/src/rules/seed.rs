use rand::Rng;

use super::{BlockRule, RowFailure, StepContext};
use crate::token_sampler::{Confidence, TokenSampler};

/// The seed experiment's loop: at step `k` of `steps`, sample every generated position of the
/// block, write all samples, then re-mask each position independently with probability
/// `1 - (k + 1) / steps` (one decision number per position, in order; none on the last step,
/// whose probability is 0). Written tokens are not protected.
pub(crate) struct SeedRule;

impl BlockRule for SeedRule {
    fn request(&mut self, cx: &mut StepContext<'_>, out: &mut Vec<usize>) {
        out.extend_from_slice(cx.block);
    }

    fn apply(
        &mut self,
        cx: &mut StepContext<'_>,
        requested: &[usize],
        logits: &mut [f32],
        tokens: &mut TokenSampler,
        committed: &mut Vec<usize>,
    ) -> Result<(), RowFailure> {
        let mask_id = cx.canvas.mask_id();
        for (row, &position) in logits.chunks_exact_mut(cx.vocab).zip(requested) {
            let draw = tokens
                .draw(row, mask_id, Confidence::None, &mut cx.rngs.tokens)
                .map_err(|problem| RowFailure { position, problem })?;
            cx.canvas.write(position, draw.token);
            committed.push(position);
        }
        if !cx.is_last_step() {
            let remask = 1.0 - (cx.step + 1) as f64 / cx.budget as f64;
            for &position in cx.block {
                if cx.rngs.decisions.random::<f64>() < remask {
                    cx.canvas.remask(position);
                }
            }
        }
        Ok(())
    }

    fn ends_when_unmasked(&self) -> bool {
        false
    }
}
