use std::f64::consts::PI;
use std::fmt;

use crate::params::invalid;
use crate::{MaskSchedule, ScheduleArgs, ScheduleError};

/// DiffusionBERT's spindle schedule (`spindle`, `spindle:LAMBDA`, lambda default 0.3):
/// a per-token survival probability that lets frequent (easy) tokens stay clean longer,
/// so they are revealed first in reverse.
///
/// For the tokens of one sequence,
/// `p_i(t) = clip(alpha(t) + lambda sin(pi t) (w_i - mean(w)), 0, 0.999)` with
/// alpha(t) = 1 - t and `w_i = ln(count_i + 1) / max_j ln(count_j + 1)` from corpus token
/// counts; the per-token mask rate is `1 - p_i(t)`. The mean is over the tokens passed to
/// [`MaskSchedule::token_mask_rates`], so pass exactly the maskable tokens of one sequence.
/// Token ids beyond the counts table count as never seen (w = 0).
///
/// The scalar [`MaskSchedule::mask_rate`] is the envelope 1 - alpha(t) = t. The sequence
/// average of the per-token rates equals it exactly wherever no token is clipped (the
/// deviations w_i - mean(w) sum to zero); clipping moves it by at most
/// `lambda sin(pi t) + 0.001`, and the 0.999 cap means even t = 0 masks 0.1%.
/// Each token's rate is non-decreasing in t for every lambda in [0, 1]: with deviation
/// d > 0 the unclipped survival 1 - t + lambda sin(pi t) d is concave and starts at 1, so
/// wherever it rises it is above the 0.999 cap; with d < 0 it is convex and ends at 0, so
/// wherever it rises it is below 0.
/// There is no scalar ELBO weight: token i's continuous-time weight is
/// `-p_i'(t) / (1 - p_i(t))`, which differs from token to token (and depends on the other
/// tokens of the sequence through the mean), so the envelope's 1/t would weight the loss
/// wrongly and the "bound" would not be one. [`MaskSchedule::elbo_weight`] is `None`:
/// ELBO-weighted training and the perplexity bound refuse spindle with an error that says
/// so; train it with `uniform` weighting and measure it under `linear`.
#[derive(Clone, PartialEq)]
pub struct Spindle {
    lambda: f64,
    token_weights: Vec<f64>,
}

/// The largest survival probability: a token is never certain to stay clean.
pub const SPINDLE_MAX_SURVIVAL: f64 = 0.999;

impl Spindle {
    pub const DEFAULT_LAMBDA: f64 = 0.3;

    /// `lambda` in [0, 1]; `token_counts[id]` is how often token `id` occurs in the corpus
    /// (at least one count must be non-zero).
    pub fn new(lambda: f64, token_counts: &[u64]) -> Result<Self, ScheduleError> {
        if !(0.0..=1.0).contains(&lambda) {
            return Err(invalid(
                "spindle",
                "lambda",
                lambda,
                "a number in [0, 1], e.g. 0.3",
            ));
        }
        let max_log = token_counts
            .iter()
            .map(|&count| (count as f64).ln_1p())
            .fold(0.0, f64::max);
        if max_log <= 0.0 {
            let reason = if token_counts.is_empty() {
                "the counts table is empty"
            } else {
                "every count is zero"
            };
            return Err(ScheduleError::InvalidTokenCounts {
                schedule: "spindle".to_string(),
                reason: format!("{reason}; count the tokens of a non-empty training corpus"),
            });
        }
        let token_weights = token_counts
            .iter()
            .map(|&count| (count as f64).ln_1p() / max_log)
            .collect();
        Ok(Self {
            lambda,
            token_weights,
        })
    }

    pub fn lambda(&self) -> f64 {
        self.lambda
    }

    /// The frequency weight w of `token` in [0, 1] (0 for ids beyond the counts table).
    pub fn token_weight(&self, token: u32) -> f64 {
        self.token_weights
            .get(token as usize)
            .copied()
            .unwrap_or(0.0)
    }

    /// Registry factory: `spindle` (lambda 0.3) or `spindle:LAMBDA`; reads the token
    /// counts from the context.
    pub fn from_args(args: &ScheduleArgs) -> Result<Box<dyn MaskSchedule>, ScheduleError> {
        args.expect_at_most(1, "spindle:LAMBDA")?;
        let lambda = args.f64_or(0, "lambda", Self::DEFAULT_LAMBDA)?;
        let counts = args.context().token_counts.as_deref().ok_or_else(|| {
            ScheduleError::MissingTokenCounts {
                schedule: "spindle".to_string(),
            }
        })?;
        Ok(Box::new(Self::new(lambda, counts)?))
    }
}

impl fmt::Debug for Spindle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spindle")
            .field("lambda", &self.lambda)
            .field("vocab_size", &self.token_weights.len())
            .finish()
    }
}

impl MaskSchedule for Spindle {
    fn name(&self) -> String {
        format!("spindle:{}", self.lambda)
    }

    fn mask_rate(&self, t: f64) -> f64 {
        t.clamp(0.0, 1.0)
    }

    /// The envelope's `d alpha / dt`; not an ELBO weight of the per-token rates.
    fn alpha_derivative(&self, _t: f64) -> f64 {
        -1.0
    }

    fn elbo_weight(&self, _t: f64) -> Option<f64> {
        None
    }

    fn no_elbo_reason(&self) -> String {
        "its per-token mask rates need per-token ELBO weights, and the scalar 1/t of its \
         envelope is not one"
            .to_string()
    }

    fn token_mask_rates(&self, t: f64, tokens: &[u32], out: &mut [f64]) {
        debug_assert_eq!(tokens.len(), out.len());
        if tokens.is_empty() {
            return;
        }
        let t = t.clamp(0.0, 1.0);
        let alpha = 1.0 - t;
        let mean =
            tokens.iter().map(|&id| self.token_weight(id)).sum::<f64>() / tokens.len() as f64;
        let amplitude = self.lambda * (PI * t).sin();
        for (rate, &id) in out.iter_mut().zip(tokens) {
            let survival = alpha + amplitude * (self.token_weight(id) - mean);
            *rate = 1.0 - survival.clamp(0.0, SPINDLE_MAX_SURVIVAL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_log_frequencies_scaled_by_the_most_frequent() {
        // ln(0 + 1) = 0, ln(99 + 1) = 2 ln 10, ln(9999 + 1) = 4 ln 10 (the max)
        let counts = [0, 7, 99, 9999];
        let schedule = Spindle::new(0.3, &counts).unwrap();
        let max = 10000f64.ln();
        assert_eq!(schedule.token_weight(0), 0.0);
        assert!((schedule.token_weight(1) - 8f64.ln() / max).abs() < 1e-12);
        assert!((schedule.token_weight(2) - 0.5).abs() < 1e-12);
        assert_eq!(schedule.token_weight(3), 1.0);
        assert_eq!(schedule.token_weight(99), 0.0);
    }

    #[test]
    fn hand_computed_rates_at_half_time() {
        // w = [0.5, 1.0] -> mean 0.75, deviations -0.25 / +0.25; t = 0.5: alpha 0.5,
        // sin(pi/2) = 1, so survival 0.5 -+ 0.3 * 0.25.
        let schedule = Spindle::new(0.3, &[99, 9999]).unwrap();
        let mut out = [0.0; 2];
        schedule.token_mask_rates(0.5, &[0, 1], &mut out);
        assert!((out[0] - 0.575).abs() < 1e-12, "{out:?}");
        assert!((out[1] - 0.425).abs() < 1e-12, "{out:?}");
    }

    #[test]
    fn survival_is_capped() {
        let schedule = Spindle::new(0.3, &[1, 2]).unwrap();
        let mut out = [0.0; 2];
        schedule.token_mask_rates(0.0, &[0, 1], &mut out);
        for rate in out {
            assert!((rate - 0.001).abs() < 1e-12);
        }
        schedule.token_mask_rates(1.0, &[0, 1], &mut out);
        assert_eq!(out, [1.0, 1.0]);
    }

    #[test]
    fn has_no_scalar_elbo_weight() {
        use crate::LossWeighting;
        let schedule = Spindle::new(0.3, &[99, 9999]).unwrap();
        for t in [0.0, 0.3, 1.0] {
            assert_eq!(schedule.elbo_weight(t), None);
        }
        assert!(!schedule.has_elbo());
        let err = LossWeighting::Elbo.weight(&schedule, 0.5).unwrap_err();
        assert!(matches!(err, ScheduleError::NoElboWeight { .. }), "{err}");
        let message = err.to_string();
        for needle in ["spindle:0.3", "per-token", "uniform"] {
            assert!(message.contains(needle), "{message}");
        }
        assert!(LossWeighting::Elbo.check(&schedule).is_err());
        assert!(LossWeighting::Uniform.check(&schedule).is_ok());
    }

    #[test]
    fn rejects_bad_inputs() {
        assert!(matches!(
            Spindle::new(0.3, &[]),
            Err(ScheduleError::InvalidTokenCounts { .. })
        ));
        assert!(matches!(
            Spindle::new(0.3, &[0, 0]),
            Err(ScheduleError::InvalidTokenCounts { .. })
        ));
        assert!(Spindle::new(1.5, &[1]).is_err());
        assert!(Spindle::new(f64::NAN, &[1]).is_err());
    }
}
