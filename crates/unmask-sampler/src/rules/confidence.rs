use rand::Rng;

use super::{BlockRule, RowFailure, StepContext};
use crate::ConfidenceScore;
use crate::token_sampler::{Confidence, Draw, TokenSampler};

/// Confidence-ordered commit (MaskGIT, LLaDA): sample at every masked position of the block,
/// commit the best-scored ones so that `remaining[k]` masks are left after step `k`.
///
/// Counting against the masks actually left (not a fixed count per step) keeps the plan
/// when remasking puts masks back: they are simply committed again later.
pub(crate) struct ConfidenceRule {
    score: ConfidenceScore,
    remaining: Vec<usize>,
    to_commit: usize,
    masked: Vec<usize>,
    draws: Vec<Draw>,
    order: Vec<usize>,
}

impl ConfidenceRule {
    pub fn new(score: ConfidenceScore, remaining: Vec<usize>) -> Self {
        Self {
            score,
            remaining,
            to_commit: 0,
            masked: Vec::new(),
            draws: Vec::new(),
            order: Vec::new(),
        }
    }
}

impl BlockRule for ConfidenceRule {
    fn request(&mut self, cx: &mut StepContext<'_>, out: &mut Vec<usize>) {
        self.masked.clear();
        cx.masked_in_block(&mut self.masked);
        let left = self.remaining[cx.step];
        self.to_commit = self.masked.len().saturating_sub(left);
        if self.to_commit == 0 {
            return;
        }
        if self.score == ConfidenceScore::Random {
            // The order does not depend on the logits: pick the positions first (a partial
            // Fisher-Yates shuffle) and ask for their logits only.
            let masked = &mut self.masked;
            for j in 0..self.to_commit {
                let k = cx.rngs.decisions.random_range(j..masked.len());
                masked.swap(j, k);
            }
            masked.truncate(self.to_commit);
            masked.sort_unstable();
        }
        out.extend_from_slice(&self.masked);
    }

    fn apply(
        &mut self,
        cx: &mut StepContext<'_>,
        requested: &[usize],
        logits: &mut [f32],
        tokens: &mut TokenSampler,
        committed: &mut Vec<usize>,
    ) -> Result<(), RowFailure> {
        let confidence = match self.score {
            ConfidenceScore::Prob => Confidence::Prob,
            ConfidenceScore::Margin => Confidence::Margin,
            ConfidenceScore::Entropy => Confidence::NegEntropy,
            ConfidenceScore::Random => Confidence::None,
        };
        cx.draw_all(requested, logits, tokens, confidence, &mut self.draws)?;
        if self.score == ConfidenceScore::Random {
            cx.commit_all(requested, &self.draws, committed);
        } else {
            cx.commit_best(
                requested,
                &self.draws,
                self.to_commit,
                &mut self.order,
                committed,
            );
        }
        Ok(())
    }
}
