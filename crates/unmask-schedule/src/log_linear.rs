use crate::params::check_eps;
use crate::{MaskSchedule, ScheduleArgs, ScheduleError};

/// MDLM's default log-linear schedule (`loglinear`, `loglinear:EPS`, eps default 1e-3):
/// total noise sigma(t) = -log(1 - (1 - eps) t), so alpha = exp(-sigma) = 1 - (1 - eps) t
/// and the mask rate is `(1 - eps) t`.
///
/// Unlike `linear:EPS` the offset is at the noisy end: the rate runs from 0 to 1 - eps,
/// so no example is ever fully masked. ELBO weight exactly `1/t`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogLinear {
    eps: f64,
}

impl LogLinear {
    pub const DEFAULT_EPS: f64 = 1e-3;

    /// `eps` must lie in [0, 0.5).
    pub fn new(eps: f64) -> Result<Self, ScheduleError> {
        Ok(Self {
            eps: check_eps("loglinear", eps)?,
        })
    }

    pub fn eps(&self) -> f64 {
        self.eps
    }

    /// MDLM's total noise sigma(t) = -log(1 - (1 - eps) t).
    pub fn sigma(&self, t: f64) -> f64 {
        -(-(1.0 - self.eps) * t.clamp(0.0, 1.0)).ln_1p()
    }

    /// Registry factory: `loglinear` (eps 1e-3) or `loglinear:EPS`.
    pub fn from_args(args: &ScheduleArgs) -> Result<Box<dyn MaskSchedule>, ScheduleError> {
        args.expect_at_most(1, "loglinear:EPS")?;
        Ok(Box::new(Self::new(args.f64_or(
            0,
            "eps",
            Self::DEFAULT_EPS,
        )?)?))
    }
}

impl Default for LogLinear {
    fn default() -> Self {
        Self {
            eps: Self::DEFAULT_EPS,
        }
    }
}

impl MaskSchedule for LogLinear {
    fn name(&self) -> String {
        format!("loglinear:{}", self.eps)
    }

    fn mask_rate(&self, t: f64) -> f64 {
        (1.0 - self.eps) * t.clamp(0.0, 1.0)
    }

    fn alpha_derivative(&self, _t: f64) -> f64 {
        -(1.0 - self.eps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_values() {
        let schedule = LogLinear::default();
        assert!((schedule.mask_rate(0.5) - 0.4995).abs() < 1e-15);
        assert!((schedule.mask_rate(1.0) - 0.999).abs() < 1e-15);
        assert!((schedule.elbo_weight(0.2).unwrap() - 5.0).abs() < 1e-12);
        // alpha = exp(-sigma)
        let t = 0.7;
        assert!((schedule.alpha(t) - (-schedule.sigma(t)).exp()).abs() < 1e-12);
        assert_eq!(schedule.name(), "loglinear:0.001");
    }
}
