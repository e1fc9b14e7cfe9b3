//! The reference sampler: every policy of this crate written the plain way, on one page.
//!
//! [`crate::Sampler`] is fast: it asks the model only for the positions a step uses, decides
//! re-masks, reveals and random orders before the model call so that it can skip rows (and
//! whole calls), and batches canvases. This page does none of that. In the style of LLaDA's
//! `generate.py`, each canvas is denoised on its own, and every step calls the model on the
//! whole canvas for logits at every position; the policy then reads the rows it needs. A
//! property test (`tests/reference_matches_fast.rs`) runs both on random tiny models,
//! canvases, seeds and configurations and requires the same tokens after every step.
//!
//! What is shared with the fast sampler: configuration parsing ([`crate::Sampler::new`]),
//! the commit split ([`crate::CommitSplit::remaining`]), the schedule's reveal probability,
//! the random streams ([`crate::rng`]) and the per-row token draw (`TokenSampler`: forbidden
//! tokens and the mask removed, temperature, top-k, top-p, an inverse-CDF draw, and the score
//! of the draw at temperature 1). The loops below are the algorithm. The row draw is shared
//! rather than rewritten because token-for-token agreement would otherwise hang on float
//! rounding (a uniform number within 1e-7 of a cumulative boundary, two scores within an ulp)
//! and, with top-p and no top-k, on the order in which `TokenSampler` finds the nucleus (a
//! quickselect): its inverse-CDF draw walks the nucleus in that order, so which token a given
//! number picks is the quickselect's business (the distribution is the same in any order). Its
//! own tests check it against full sorts and observed frequencies.
//!
//! # Randomness, in the order it is drawn
//!
//! Canvas `b` of the batch owns two ChaCha8 streams of `config.seed`: the token stream
//! ([`crate::rng::token_rng`]) and the decision stream ([`crate::rng::decision_rng`]).
//!
//! - Every token draw takes one `f64` from the token stream when sampling (temperature above
//!   0) and none when greedy. Draws are made in increasing position order.
//! - `seed`: a token is drawn at *every* position of the block, then (except on the block's
//!   last step) one decision number per position of the block, in order; the position is
//!   re-masked when the number is below `1 - (k + 1) / S`.
//! - `ancestral`: (except on the block's last step) one decision number per masked position
//!   of the block, in order, *before* any token is drawn; a position is revealed when the
//!   number is below the reveal probability. Tokens are drawn at revealed positions only.
//! - `random`: the positions to commit are the first `c` of a partial Fisher-Yates shuffle of
//!   the block's masked positions (for `j` in `0..c`: swap `j` with `random_range(j..n)` of
//!   the decision stream), drawn before any token; tokens are drawn at those positions only.
//!   A step that commits nothing draws nothing.
//! - `prob`, `margin`, `entropy`, `threshold`: a token is drawn at every masked position of
//!   the block (none when a confidence step commits nothing).
//! - ReMDM remasking (after the commits, except on the block's last step, when `remask > 0`):
//!   one decision number per position of the block that held a token before this step, in
//!   order; it is re-masked when the number is below `remask`.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use unmask_schedule::reveal_probability;

use crate::rng::{decision_rng, token_rng};
use crate::token_sampler::{Confidence, Draw, TokenSampler};
use crate::{Canvas, ConfidenceScore, Denoiser, Policy, Sampler, SamplerConfig, SamplerError};

/// One canvas denoised by the reference loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferenceRun {
    /// The canvas after each of its steps (empty when it had nothing to do).
    pub steps: Vec<Canvas>,
    /// The finished canvas.
    pub canvas: Canvas,
}

/// Denoises each canvas of `canvases` with the plain loop of `config`'s policy.
///
/// The configuration is validated as [`Sampler::new`] does; the canvases are assumed valid
/// for the denoiser (tokens inside its vocabulary), as [`Sampler::generate`] checks.
pub fn generate<D: Denoiser + ?Sized>(
    config: &SamplerConfig,
    denoiser: &mut D,
    canvases: Vec<Canvas>,
) -> Result<Vec<ReferenceRun>, SamplerError> {
    let policy = Sampler::new(config.clone())?.policy().clone();
    let mut tokens = TokenSampler::new(
        config.temperature,
        config.top_k,
        config.top_p,
        &config.forbidden,
    );
    canvases
        .into_iter()
        .enumerate()
        .map(|(index, canvas)| {
            let mut run = CanvasLoop {
                config,
                policy: &policy,
                index,
                canvas,
                steps: Vec::new(),
                token_rng: token_rng(config.seed, index),
                decision_rng: decision_rng(config.seed, index),
            };
            run.denoise(denoiser, &mut tokens)?;
            Ok(ReferenceRun {
                steps: run.steps,
                canvas: run.canvas,
            })
        })
        .collect()
}

struct CanvasLoop<'a> {
    config: &'a SamplerConfig,
    policy: &'a Policy,
    index: usize,
    canvas: Canvas,
    steps: Vec<Canvas>,
    token_rng: ChaCha8Rng,
    decision_rng: ChaCha8Rng,
}

impl CanvasLoop<'_> {
    fn denoise<D: Denoiser + ?Sized>(
        &mut self,
        denoiser: &mut D,
        tokens: &mut TokenSampler,
    ) -> Result<(), SamplerError> {
        // Blocks: the generated positions in order, cut every `block_len` (one block if unset).
        let generated = self.canvas.generated_positions();
        let block_len = self.config.block_len.unwrap_or(generated.len()).max(1);
        let blocks: Vec<Vec<usize>> = generated.chunks(block_len).map(<[_]>::to_vec).collect();
        if blocks.len() > self.config.steps {
            return Err(SamplerError::TooFewSteps {
                canvas: self.index,
                generated: generated.len(),
                block_len: self.config.block_len.unwrap_or(generated.len()),
                blocks: blocks.len(),
                steps: self.config.steps,
            });
        }
        let mut steps_left = self.config.steps;
        for (b, block) in blocks.iter().enumerate() {
            let masked = self.masked_in(block).len();
            // Every policy but `seed` skips a block with nothing to fill.
            if masked == 0 && !matches!(self.policy, Policy::Seed) {
                continue;
            }
            // Steps for this block: what is left, split evenly over the blocks left.
            let budget = steps_left.div_ceil(blocks.len() - b);
            // Confidence policies: how many masks may be left after each step.
            let remaining = match self.policy {
                Policy::Confidence { split, .. } => split.remaining(masked, budget),
                _ => Vec::new(),
            };
            for k in 0..budget {
                let logits = self.full_logits(denoiser)?;
                let had_token: Vec<bool> =
                    block.iter().map(|&p| !self.canvas.is_masked(p)).collect();
                self.step(block, k, budget, &remaining, &logits, tokens)?;
                let last = k + 1 == budget;
                let sigma = self.config.remask.unwrap_or(0.0);
                if sigma > 0.0 && !last {
                    for (&position, &had) in block.iter().zip(&had_token) {
                        if had && self.decision_rng.random::<f64>() < sigma {
                            self.canvas.remask(position);
                        }
                    }
                }
                steps_left -= 1;
                self.steps.push(self.canvas.clone());
                let done = self.masked_in(block).is_empty();
                if done && !matches!(self.policy, Policy::Seed) {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Step `k` of `budget` of the policy on `block`, with logits at every position.
    fn step(
        &mut self,
        block: &[usize],
        k: usize,
        budget: usize,
        remaining: &[usize],
        logits: &[Vec<f32>],
        tokens: &mut TokenSampler,
    ) -> Result<(), SamplerError> {
        let last = k + 1 == budget;
        let masked = self.masked_in(block);
        match self.policy {
            Policy::Seed => {
                for &position in block {
                    let draw = self.draw(tokens, logits, position, Confidence::None)?;
                    self.canvas.write(position, draw.token);
                }
                let remask = 1.0 - (k + 1) as f64 / budget as f64;
                if !last {
                    for &position in block {
                        if self.decision_rng.random::<f64>() < remask {
                            self.canvas.remask(position);
                        }
                    }
                }
            }
            Policy::Ancestral { schedule } => {
                let t = (budget - k) as f64 / budget as f64;
                let s = (budget - k - 1) as f64 / budget as f64;
                let reveal = reveal_probability(schedule.as_ref(), t, s);
                let revealed: Vec<usize> = if last {
                    masked
                } else {
                    let decision_rng = &mut self.decision_rng;
                    masked
                        .into_iter()
                        .filter(|_| decision_rng.random::<f64>() < reveal)
                        .collect()
                };
                for position in revealed {
                    let draw = self.draw(tokens, logits, position, Confidence::None)?;
                    self.canvas.write(position, draw.token);
                }
            }
            Policy::Confidence {
                score: ConfidenceScore::Random,
                ..
            } => {
                // Commit `count` positions chosen uniformly at random, whatever the logits.
                let count = masked.len().saturating_sub(remaining[k]);
                let mut order = masked;
                for j in 0..count {
                    let other = self.decision_rng.random_range(j..order.len());
                    order.swap(j, other);
                }
                let mut chosen = order[..count].to_vec();
                chosen.sort_unstable();
                for position in chosen {
                    let draw = self.draw(tokens, logits, position, Confidence::None)?;
                    self.canvas.write(position, draw.token);
                }
            }
            Policy::Confidence { score, .. } => {
                // Sample at every masked position, commit the `count` best-scored samples.
                let count = masked.len().saturating_sub(remaining[k]);
                if count == 0 {
                    return Ok(());
                }
                let confidence = match score {
                    ConfidenceScore::Prob => Confidence::Prob,
                    ConfidenceScore::Margin => Confidence::Margin,
                    _ => Confidence::NegEntropy,
                };
                let draws = self.draw_all(&masked, confidence, logits, tokens)?;
                self.commit_best(&masked, &draws, count);
            }
            Policy::Threshold { threshold } => {
                let draws = self.draw_all(&masked, Confidence::Prob, logits, tokens)?;
                let confident = draws.iter().filter(|d| d.confidence >= *threshold).count();
                let at_least = masked.len().div_ceil(budget - k).max(1);
                let count = confident.max(at_least).min(masked.len());
                self.commit_best(&masked, &draws, count);
            }
        }
        Ok(())
    }

    /// Writes the `count` draws of highest confidence (ties: the earlier position).
    fn commit_best(&mut self, positions: &[usize], draws: &[Draw], count: usize) {
        let mut ranked: Vec<(usize, Draw)> = positions
            .iter()
            .copied()
            .zip(draws.iter().copied())
            .collect();
        ranked.sort_by(|(pa, a), (pb, b)| b.confidence.total_cmp(&a.confidence).then(pa.cmp(pb)));
        for (position, draw) in ranked.into_iter().take(count) {
            self.canvas.write(position, draw.token);
        }
    }

    fn draw_all(
        &mut self,
        positions: &[usize],
        confidence: Confidence,
        logits: &[Vec<f32>],
        tokens: &mut TokenSampler,
    ) -> Result<Vec<Draw>, SamplerError> {
        positions
            .iter()
            .map(|&position| self.draw(tokens, logits, position, confidence))
            .collect()
    }

    /// One token from the logits of `position`.
    fn draw(
        &mut self,
        tokens: &mut TokenSampler,
        logits: &[Vec<f32>],
        position: usize,
        confidence: Confidence,
    ) -> Result<Draw, SamplerError> {
        let mut row = logits[position].clone();
        tokens
            .draw(
                &mut row,
                self.canvas.mask_id(),
                confidence,
                &mut self.token_rng,
            )
            .map_err(|problem| SamplerError::BadLogits {
                step: self.steps.len(),
                canvas: self.index,
                position,
                problem: problem.to_string(),
            })
    }

    /// The model's logits at every position of the canvas, one row per position.
    fn full_logits<D: Denoiser + ?Sized>(
        &self,
        denoiser: &mut D,
    ) -> Result<Vec<Vec<f32>>, SamplerError> {
        let step = self.steps.len();
        let every: Vec<usize> = (0..self.canvas.len()).collect();
        let mut out = denoiser
            .logits(&[self.canvas.tokens()], &[&every])
            .map_err(|source| SamplerError::Denoiser {
                step,
                source: source.into(),
            })?;
        let vocab = denoiser.vocab_size();
        match out.pop() {
            Some(flat) if out.is_empty() && flat.len() == every.len() * vocab => {
                Ok(flat.chunks(vocab).map(<[f32]>::to_vec).collect())
            }
            _ => Err(SamplerError::DenoiserOutput {
                step,
                reason: "not one row of logits per position".to_string(),
            }),
        }
    }

    fn masked_in(&self, block: &[usize]) -> Vec<usize> {
        block
            .iter()
            .copied()
            .filter(|&p| self.canvas.is_masked(p))
            .collect()
    }
}
