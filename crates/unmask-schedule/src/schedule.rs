use std::fmt::Debug;

/// A noise schedule of absorbing-state (masked) diffusion.
///
/// `t` in [0, 1] is diffusion time: t = 0 is clean text, t = 1 is all mask.
/// `alpha(t)` is the probability that a token is still clean at time t; the mask
/// rate is `1 - alpha(t)`.
pub trait MaskSchedule: Debug + Send + Sync {
    /// The registry spelling of this schedule with its parameters, e.g. `fixed:0.15`.
    fn name(&self) -> String;

    /// Probability that a token is masked at time `t`: `1 - alpha(t)`.
    fn mask_rate(&self, t: f64) -> f64;

    /// `d alpha / dt` at `t` (non-positive for a schedule that masks more as t grows).
    fn alpha_derivative(&self, t: f64) -> f64;

    /// The ELBO loss weight `-alpha'(t) / (1 - alpha(t))`; `None` where the schedule has
    /// no continuous-time ELBO (a fixed rate).
    fn elbo_weight(&self, t: f64) -> Option<f64> {
        let rate = self.mask_rate(t);
        if rate <= 0.0 {
            return None;
        }
        Some(-self.alpha_derivative(t) / rate)
    }

    /// Per-token mask rates for `tokens` at time `t`, written into `out`
    /// (same length as `tokens`). Schedules that treat every token alike keep the default.
    fn token_mask_rates(&self, t: f64, tokens: &[u32], out: &mut [f64]) {
        debug_assert_eq!(tokens.len(), out.len());
        out.fill(self.mask_rate(t));
    }

    /// Probability that a token is still clean at time `t`: `1 - mask_rate(t)`.
    fn alpha(&self, t: f64) -> f64 {
        1.0 - self.mask_rate(t)
    }

    /// Whether the schedule has an ELBO weight at all. `elbo_weight` is `None` at
    /// t = 0 for every schedule whose mask rate starts at zero, so the question is asked at
    /// t = 1, where every diffusion schedule masks something; a schedule that never has a
    /// weight (a fixed rate) answers `false` without overriding this.
    fn has_elbo(&self) -> bool {
        self.elbo_weight(1.0).is_some()
    }

    /// Why the schedule has no ELBO weight, for the errors of ELBO-weighted training and
    /// the perplexity bound; only asked where [`MaskSchedule::has_elbo`] is `false`.
    fn no_elbo_reason(&self) -> String {
        "a fixed mask rate is not a diffusion schedule".to_string()
    }
}
