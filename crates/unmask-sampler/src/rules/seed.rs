use rand::Rng;

use super::{BlockRule, RowFailure, StepContext};
use crate::token_sampler::{Confidence, TokenSampler};

/// The seed experiment's loop: at step `k` of `steps`, sample every generated position of the
/// block, write all samples, then re-mask each position independently with probability
/// `1 - (k + 1) / steps` (one decision number per position, in order; none on the last step,
/// whose probability is 0). Written tokens are not protected.
///
/// The re-mask draw does not depend on the samples, so it is made first (in
/// [`BlockRule::request`]) and logits are requested only where a token survives it: a sample
/// that is re-masked at once is never seen. Each skipped position still takes its number from
/// the token stream ([`TokenSampler::skip`]), so the output is the same token for token as
/// sampling everything and re-masking afterwards.
#[derive(Default)]
pub(crate) struct SeedRule {
    /// Per position of the block: whether it keeps this step's sample.
    keeps: Vec<bool>,
}

impl BlockRule for SeedRule {
    fn request(&mut self, cx: &mut StepContext<'_>, out: &mut Vec<usize>) {
        self.keeps.clear();
        let remask = 1.0 - (cx.step + 1) as f64 / cx.budget as f64;
        let last = cx.is_last_step();
        for &position in cx.block {
            let keep = last || cx.rngs.decisions.random::<f64>() >= remask;
            self.keeps.push(keep);
            if keep {
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
        let mask_id = cx.canvas.mask_id();
        let mut rows = logits.chunks_exact_mut(cx.vocab).zip(requested);
        for (&position, &keep) in cx.block.iter().zip(&self.keeps) {
            if !keep {
                tokens.skip(&mut cx.rngs.tokens);
                cx.canvas.remask(position);
                continue;
            }
            let (row, &asked) = rows
                .next()
                .expect("one logit row per position the rule requested");
            debug_assert_eq!(asked, position);
            let draw = tokens
                .draw(row, mask_id, Confidence::None, &mut cx.rngs.tokens)
                .map_err(|problem| RowFailure { position, problem })?;
            cx.canvas.write(position, draw.token);
            committed.push(position);
        }
        Ok(())
    }

    fn ends_when_unmasked(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::Canvas;
    use crate::rng::CanvasRngs;

    const MASK: u32 = 1;
    const VOCAB: usize = 16;

    /// A logit row that depends on the step and the position.
    fn row(step: usize, position: usize) -> Vec<f32> {
        let mut rng = ChaCha8Rng::seed_from_u64((step * 1000 + position) as u64);
        (0..VOCAB).map(|_| rng.random::<f32>() * 4.0).collect()
    }

    /// Sampling at temperature 1 (one token-stream number per sample), the rule against the
    /// loop as first written: sample every position, write all, then re-mask.
    #[test]
    fn skipping_remasked_positions_keeps_the_token_stream_aligned() {
        let steps = 10;
        let start = Canvas::prompted(&[5, 6], 40, &[7], MASK).unwrap();
        let block = start.generated_positions();
        let mut tokens = TokenSampler::new(1.0, None, None, &[]);

        let mut canvas = start.clone();
        let mut rngs = CanvasRngs::new(3, 0);
        let mut rule = SeedRule::default();
        let mut asked_for = 0;
        for step in 0..steps {
            let mut cx = StepContext {
                canvas: &mut canvas,
                block: &block,
                step,
                budget: steps,
                rngs: &mut rngs,
                vocab: VOCAB,
            };
            let mut requested = Vec::new();
            rule.request(&mut cx, &mut requested);
            asked_for += requested.len();
            let mut logits: Vec<f32> = requested.iter().flat_map(|&p| row(step, p)).collect();
            rule.apply(
                &mut cx,
                &requested,
                &mut logits,
                &mut tokens,
                &mut Vec::new(),
            )
            .unwrap();
        }

        let mut expected = start.clone();
        let mut rngs = CanvasRngs::new(3, 0);
        for step in 0..steps {
            for &p in &block {
                let draw = tokens
                    .draw(&mut row(step, p), MASK, Confidence::None, &mut rngs.tokens)
                    .unwrap();
                expected.write(p, draw.token);
            }
            if step + 1 < steps {
                let remask = 1.0 - (step + 1) as f64 / steps as f64;
                for &p in &block {
                    if rngs.decisions.random::<f64>() < remask {
                        expected.remask(p);
                    }
                }
            }
        }
        assert_eq!(canvas.tokens(), expected.tokens());
        assert!(canvas.is_complete());
        // Half the rows of sampling everything: the re-masked ones were never asked for.
        assert!(asked_for < block.len() * steps * 2 / 3, "{asked_for}");
    }
}
