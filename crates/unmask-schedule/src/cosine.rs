use std::f64::consts::FRAC_PI_2;

use crate::{MaskSchedule, ScheduleArgs, ScheduleError};

/// MaskGIT-style cosine schedule (dllm, `cosine`): alpha(t) = 1 - cos(pi/2 (1 - t)), so the
/// mask rate is cos(pi/2 (1 - t)) = sin(pi t / 2).
///
/// Computed as sin(pi t / 2), which is exactly 0 at t = 0 and 1 at t = 1 in floating
/// point (cos(pi/2) is not). alpha'(t) = -(pi/2) cos(pi t / 2); ELBO weight
/// (pi/2) cot(pi t / 2), about 1/t near 0 and 0 at t = 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cosine;

impl Cosine {
    /// Registry factory: `cosine` (no arguments).
    pub fn from_args(args: &ScheduleArgs) -> Result<Box<dyn MaskSchedule>, ScheduleError> {
        args.expect_at_most(0, "cosine")?;
        Ok(Box::new(Self))
    }
}

impl MaskSchedule for Cosine {
    fn name(&self) -> String {
        "cosine".to_string()
    }

    fn mask_rate(&self, t: f64) -> f64 {
        (FRAC_PI_2 * t.clamp(0.0, 1.0)).sin()
    }

    fn alpha_derivative(&self, t: f64) -> f64 {
        -FRAC_PI_2 * (FRAC_PI_2 * t.clamp(0.0, 1.0)).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_values() {
        let schedule = Cosine;
        assert_eq!(schedule.mask_rate(0.0), 0.0);
        assert_eq!(schedule.mask_rate(1.0), 1.0);
        // cos(pi/2 * 0.5) = sqrt(2)/2
        assert!((schedule.mask_rate(0.5) - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-15);
        // t = 1/3: rate sin(pi/6) = 1/2, alpha' = -(pi/2) cos(pi/6); weight = pi cos(pi/6)
        let weight = schedule.elbo_weight(1.0 / 3.0).unwrap();
        let expected = std::f64::consts::PI * (3f64.sqrt() / 2.0);
        assert!((weight - expected).abs() < 1e-12);
        assert!(schedule.elbo_weight(1.0).unwrap().abs() < 1e-15);
    }
}
