use crate::params::check_eps;
use crate::{MaskSchedule, ScheduleArgs, ScheduleError};

/// Linear schedule (LLaDA, dllm): mask rate `(1 - eps) t + eps`, i.e. alpha = 1 - t for
/// the default eps = 0 (`linear`); LLaDA uses eps = 1e-3 (`linear:1e-3`), which keeps
/// at least a fraction eps masked so that no example has an empty loss.
///
/// ELBO weight `(1 - eps) / ((1 - eps) t + eps)`: `1/t` for eps = 0.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Linear {
    eps: f64,
}

impl Linear {
    /// `eps` must lie in [0, 0.5).
    pub fn new(eps: f64) -> Result<Self, ScheduleError> {
        Ok(Self {
            eps: check_eps("linear", eps)?,
        })
    }

    pub fn eps(&self) -> f64 {
        self.eps
    }

    /// Registry factory: `linear` (eps 0) or `linear:EPS`.
    pub fn from_args(args: &ScheduleArgs) -> Result<Box<dyn MaskSchedule>, ScheduleError> {
        args.expect_at_most(1, "linear:EPS")?;
        Ok(Box::new(Self::new(args.f64_or(0, "eps", 0.0)?)?))
    }
}

impl MaskSchedule for Linear {
    fn name(&self) -> String {
        if self.eps == 0.0 {
            "linear".to_string()
        } else {
            format!("linear:{}", self.eps)
        }
    }

    fn mask_rate(&self, t: f64) -> f64 {
        (1.0 - self.eps) * t.clamp(0.0, 1.0) + self.eps
    }

    fn alpha_derivative(&self, _t: f64) -> f64 {
        -(1.0 - self.eps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_linear_is_identity_with_inverse_t_weight() {
        let schedule = Linear::default();
        assert_eq!(schedule.mask_rate(0.25), 0.25);
        assert_eq!(schedule.alpha(0.25), 0.75);
        assert_eq!(schedule.elbo_weight(0.25), Some(4.0));
        assert_eq!(schedule.elbo_weight(0.0), None);
        assert_eq!(schedule.name(), "linear");
    }

    #[test]
    fn llada_offset() {
        let schedule = Linear::new(0.001).unwrap();
        assert!((schedule.mask_rate(0.0) - 0.001).abs() < 1e-15);
        assert!((schedule.mask_rate(0.5) - 0.5005).abs() < 1e-15);
        assert_eq!(schedule.mask_rate(1.0), 1.0);
        let weight = schedule.elbo_weight(0.5).unwrap();
        assert!((weight - 0.999 / 0.5005).abs() < 1e-12);
        assert_eq!(schedule.name(), "linear:0.001");
        assert!(Linear::new(0.5).is_err());
        assert!(Linear::new(-1e-3).is_err());
    }
}
