use std::f64::consts::FRAC_PI_2;

use crate::params::check_eps;
use crate::{MaskSchedule, ScheduleArgs, ScheduleError};

/// MDLM's cosine variant (`cosine-mdlm`, `cosine-mdlm:EPS`, eps default 1e-3):
/// alpha(t) = eps + (1 - eps) cos(pi t / 2), mask rate (1 - eps)(1 - cos(pi t / 2)).
///
/// It masks slowly at first (rate about (pi^2/8) t^2 near 0) and tops out at 1 - eps.
/// ELBO weight (pi/2) cot(pi t / 4), about 2/t near 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MdlmCosine {
    eps: f64,
}

impl MdlmCosine {
    pub const DEFAULT_EPS: f64 = 1e-3;

    /// `eps` must lie in [0, 0.5).
    pub fn new(eps: f64) -> Result<Self, ScheduleError> {
        Ok(Self {
            eps: check_eps("cosine-mdlm", eps)?,
        })
    }

    pub fn eps(&self) -> f64 {
        self.eps
    }

    /// Registry factory: `cosine-mdlm` (eps 1e-3) or `cosine-mdlm:EPS`.
    pub fn from_args(args: &ScheduleArgs) -> Result<Box<dyn MaskSchedule>, ScheduleError> {
        args.expect_at_most(1, "cosine-mdlm:EPS")?;
        Ok(Box::new(Self::new(args.f64_or(
            0,
            "eps",
            Self::DEFAULT_EPS,
        )?)?))
    }
}

impl Default for MdlmCosine {
    fn default() -> Self {
        Self {
            eps: Self::DEFAULT_EPS,
        }
    }
}

impl MaskSchedule for MdlmCosine {
    fn name(&self) -> String {
        format!("cosine-mdlm:{}", self.eps)
    }

    fn mask_rate(&self, t: f64) -> f64 {
        // 1 - cos(x) = 2 sin^2(x / 2), without cancellation near t = 0.
        let half = (FRAC_PI_2 * t.clamp(0.0, 1.0) / 2.0).sin();
        (1.0 - self.eps) * 2.0 * half * half
    }

    fn alpha_derivative(&self, t: f64) -> f64 {
        -(1.0 - self.eps) * FRAC_PI_2 * (FRAC_PI_2 * t.clamp(0.0, 1.0)).sin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_values() {
        let schedule = MdlmCosine::new(0.0).unwrap();
        assert_eq!(schedule.mask_rate(0.0), 0.0);
        assert!((schedule.mask_rate(1.0) - 1.0).abs() < 1e-15);
        // t = 2/3: cos(pi/3) = 1/2
        assert!((schedule.mask_rate(2.0 / 3.0) - 0.5).abs() < 1e-15);
        // weight at t = 1: (pi/2) cot(pi/4) = pi/2
        assert!((schedule.elbo_weight(1.0).unwrap() - FRAC_PI_2).abs() < 1e-12);
        let with_eps = MdlmCosine::default();
        assert!((with_eps.mask_rate(1.0) - 0.999).abs() < 1e-15);
        assert_eq!(with_eps.name(), "cosine-mdlm:0.001");
    }
}
