use serde::{Deserialize, Serialize};

use crate::{CacheMode, Policy, PolicyKind, PolicyParams, SamplerError};

/// Everything that picks and tunes a denoising loop, as a user writes it (CLI flags, a TOML
/// or JSON preset). Unknown keys are errors; missing keys take the defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SamplerConfig {
    /// The denoising loop: `seed`, `ancestral`, `prob` (default), `margin`, `entropy`,
    /// `random` or `threshold`; any other spelling is refused when the config is read.
    pub policy: PolicyKind,
    /// The step budget: at most this many steps (model calls) per canvas.
    pub steps: usize,
    /// `ancestral`: noise schedule (default `linear`); confidence policies: commit split
    /// (default `even`).
    pub schedule: Option<String>,
    /// `threshold`: the confidence threshold in (0, 1] (default 0.9).
    pub threshold: Option<f64>,
    /// Semi-autoregressive blocks of this many generated positions; unset = one block.
    pub block_len: Option<usize>,
    /// ReMDM remasking probability per step in [0, 1) for confidence and threshold policies.
    pub remask: Option<f64>,
    /// Fast-dLLM's block cache (needs `block_len`): the model may reuse keys and values
    /// recorded at the start of the block for the positions a step does not run.
    pub cache: Option<CacheMode>,
    /// With `cache`: record it afresh every this many steps of a block too (1: every step,
    /// which writes exactly the tokens of uncached decoding); unset: at block starts only.
    pub cache_refresh: Option<usize>,
    /// Sampling temperature; 0 is greedy (argmax).
    pub temperature: f64,
    /// Keep only the k most likely tokens.
    pub top_k: Option<usize>,
    /// Keep the smallest set of most likely tokens holding this probability, in (0, 1].
    pub top_p: Option<f64>,
    /// Token ids never written (their logits are set to -inf); the mask id always is.
    pub forbidden: Vec<u32>,
    /// Same seed, same canvases, same denoiser: same output.
    pub seed: u64,
}

impl Default for SamplerConfig {
    fn default() -> Self {
        Self {
            policy: PolicyKind::Prob,
            steps: 64,
            schedule: None,
            threshold: None,
            block_len: None,
            remask: None,
            cache: None,
            cache_refresh: None,
            temperature: 1.0,
            top_k: None,
            top_p: None,
            forbidden: Vec::new(),
            seed: 0,
        }
    }
}

impl SamplerConfig {
    /// The most steps a sampler runs: a block plans its steps up front, so a budget near
    /// `usize::MAX` would be an allocation no machine makes.
    pub const MAX_STEPS: usize = 1 << 20;

    /// The seed experiment's sampler: 10 steps of the `seed` loop, top-k 50, top-p 0.95.
    pub fn seed_experiment() -> Self {
        Self {
            policy: PolicyKind::Seed,
            steps: 10,
            top_k: Some(50),
            top_p: Some(0.95),
            ..Self::default()
        }
    }

    /// The policy's parameters as [`Policy::new`] takes them.
    pub fn policy_params(&self) -> PolicyParams {
        PolicyParams {
            schedule: self.schedule.clone(),
            threshold: self.threshold,
        }
    }

    /// Checks every value that does not depend on the policy or the canvases.
    pub fn validate(&self) -> Result<(), SamplerError> {
        if self.steps == 0 {
            return Err(SamplerError::ZeroSteps);
        }
        if self.steps > Self::MAX_STEPS {
            return Err(SamplerError::TooManySteps {
                steps: self.steps,
                max: Self::MAX_STEPS,
            });
        }
        if !(self.temperature.is_finite() && self.temperature >= 0.0) {
            return Err(SamplerError::InvalidTemperature(self.temperature));
        }
        if self.top_k == Some(0) {
            return Err(SamplerError::ZeroTopK);
        }
        if let Some(top_p) = self.top_p
            && !(top_p > 0.0 && top_p <= 1.0)
        {
            return Err(SamplerError::InvalidTopP(top_p));
        }
        if self.block_len == Some(0) {
            return Err(SamplerError::ZeroBlockLen);
        }
        if let Some(sigma) = self.remask
            && !(0.0..1.0).contains(&sigma)
        {
            return Err(SamplerError::InvalidRemask(sigma));
        }
        if self.cache_refresh == Some(0) {
            return Err(SamplerError::ZeroCacheRefresh);
        }
        if self.cache_refresh.is_some() && self.cache.is_none() {
            return Err(SamplerError::RefreshWithoutCache);
        }
        Ok(())
    }

    /// Checks that a block cache is asked for only where it can serve: in blocks, with a
    /// policy that never rewrites a committed token outside the block it is working on.
    pub(crate) fn check_cache(&self, policy: &Policy) -> Result<(), SamplerError> {
        let Some(cache) = self.cache else {
            return Ok(());
        };
        if self.block_len.is_none() {
            return Err(SamplerError::CacheWithoutBlocks { cache });
        }
        if matches!(policy, Policy::Seed) {
            return Err(SamplerError::CacheRewrites {
                cache,
                what: "the `seed` loop",
            });
        }
        if self.remask.is_some() {
            return Err(SamplerError::CacheRewrites {
                cache,
                what: "remasking",
            });
        }
        Ok(())
    }

    /// Checks that a remasking probability is only given to a policy that remasks that way.
    pub(crate) fn check_remask(&self, policy: &Policy) -> Result<(), SamplerError> {
        if self.remask.is_some() && !policy.supports_remask() {
            return Err(SamplerError::UnusedParameter {
                policy: policy.name().to_string(),
                parameter: "remask",
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_budget_beyond_the_limit_is_an_error() {
        let ok = SamplerConfig {
            steps: SamplerConfig::MAX_STEPS,
            ..SamplerConfig::default()
        };
        ok.validate().unwrap();
        for steps in [SamplerConfig::MAX_STEPS + 1, 1_000_000_000, usize::MAX] {
            let config = SamplerConfig {
                steps,
                ..SamplerConfig::default()
            };
            let err = config.validate().unwrap_err();
            assert!(
                matches!(err, SamplerError::TooManySteps { steps: s, .. } if s == steps),
                "{err}"
            );
            assert!(err.to_string().contains(&steps.to_string()), "{err}");
        }
    }
}
