//! The per-block step rules, one per policy, and what they share.

mod ancestral;
mod confidence;
mod remask;
mod seed;
mod threshold;

pub(crate) use remask::remask_committed;

use crate::rng::CanvasRngs;
use crate::token_sampler::{Confidence, Draw, RowProblem, TokenSampler};
use crate::{Canvas, Policy};

/// What a rule sees during one step of one block of one canvas.
pub(crate) struct StepContext<'a> {
    pub canvas: &'a mut Canvas,
    /// The generated positions of the current block, in order.
    pub block: &'a [usize],
    /// The step within the block, from 0.
    pub step: usize,
    /// The steps this block may take.
    pub budget: usize,
    pub rngs: &'a mut CanvasRngs,
    pub vocab: usize,
}

impl StepContext<'_> {
    pub fn is_last_step(&self) -> bool {
        self.step + 1 == self.budget
    }

    /// Appends the block's masked positions to `out`.
    pub fn masked_in_block(&self, out: &mut Vec<usize>) {
        out.extend(
            self.block
                .iter()
                .copied()
                .filter(|&p| self.canvas.is_masked(p)),
        );
    }

    /// Draws one token per requested position into `draws`.
    pub fn draw_all(
        &mut self,
        requested: &[usize],
        logits: &mut [f32],
        tokens: &mut TokenSampler,
        confidence: Confidence,
        draws: &mut Vec<Draw>,
    ) -> Result<(), RowFailure> {
        draws.clear();
        let mask_id = self.canvas.mask_id();
        for (row, &position) in logits.chunks_exact_mut(self.vocab).zip(requested) {
            let draw = tokens
                .draw(row, mask_id, confidence, &mut self.rngs.tokens)
                .map_err(|problem| RowFailure { position, problem })?;
            draws.push(draw);
        }
        Ok(())
    }

    /// Writes every draw at its requested position.
    pub fn commit_all(&mut self, requested: &[usize], draws: &[Draw], committed: &mut Vec<usize>) {
        for (&position, draw) in requested.iter().zip(draws) {
            self.canvas.write(position, draw.token);
            committed.push(position);
        }
    }

    /// Writes the `count` most confident draws (ties go to the earlier position).
    pub fn commit_best(
        &mut self,
        requested: &[usize],
        draws: &[Draw],
        count: usize,
        order: &mut Vec<usize>,
        committed: &mut Vec<usize>,
    ) {
        order.clear();
        order.extend(0..requested.len());
        if count == 0 {
            return;
        }
        if count < order.len() {
            order.select_nth_unstable_by(count - 1, |&a, &b| {
                draws[b]
                    .confidence
                    .total_cmp(&draws[a].confidence)
                    .then(a.cmp(&b))
            });
        }
        for &j in &order[..count] {
            self.canvas.write(requested[j], draws[j].token);
            committed.push(requested[j]);
        }
    }
}

/// A logit row the sampler could not draw from.
#[derive(Debug)]
pub(crate) struct RowFailure {
    pub position: usize,
    pub problem: RowProblem,
}

/// One policy's step, for the duration of one block.
pub(crate) trait BlockRule {
    /// Appends to `out`, in increasing order, the positions whose logits this step needs
    /// (possibly none: the step then costs no model call).
    fn request(&mut self, cx: &mut StepContext<'_>, out: &mut Vec<usize>);

    /// Writes this step's tokens from `logits` (one row per requested position) and appends
    /// every position it committed to `committed`.
    fn apply(
        &mut self,
        cx: &mut StepContext<'_>,
        requested: &[usize],
        logits: &mut [f32],
        tokens: &mut TokenSampler,
        committed: &mut Vec<usize>,
    ) -> Result<(), RowFailure>;

    /// Whether the block is over once it has no mask (otherwise it runs its whole budget).
    fn ends_when_unmasked(&self) -> bool {
        true
    }
}

/// The rule of `policy` for a block whose `masked` positions are to be filled in `budget` steps.
pub(crate) fn start_block(policy: &Policy, masked: usize, budget: usize) -> Box<dyn BlockRule> {
    match policy {
        Policy::Seed => Box::new(seed::SeedRule::default()),
        Policy::Ancestral { schedule } => Box::new(ancestral::AncestralRule::new(schedule.clone())),
        Policy::Confidence { score, split } => Box::new(confidence::ConfidenceRule::new(
            *score,
            split.remaining(masked, budget),
        )),
        Policy::Threshold { threshold } => Box::new(threshold::ThresholdRule::new(*threshold)),
    }
}
