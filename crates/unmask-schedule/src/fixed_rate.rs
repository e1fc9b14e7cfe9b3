use crate::params::invalid;
use crate::{MaskSchedule, ScheduleArgs, ScheduleError};

/// The BERT / RoBERTa masked-LM objective: the same mask rate at every t (`fixed:0.15`).
///
/// Not a diffusion schedule: it has no ELBO weight, so it trains with uniform loss weighting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedRate {
    rate: f64,
}

impl FixedRate {
    /// BERT's and RoBERTa's rate.
    pub const BERT_RATE: f64 = 0.15;

    /// `rate` must lie in (0, 1].
    pub fn new(rate: f64) -> Result<Self, ScheduleError> {
        if rate > 0.0 && rate <= 1.0 {
            Ok(Self { rate })
        } else {
            Err(invalid(
                "fixed",
                "rate",
                rate,
                "a mask rate in (0, 1], e.g. 0.15",
            ))
        }
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Registry factory: `fixed` (0.15) or `fixed:RATE`.
    pub fn from_args(args: &ScheduleArgs) -> Result<Box<dyn MaskSchedule>, ScheduleError> {
        args.expect_at_most(1, "fixed:RATE")?;
        let rate = args.f64_or(0, "rate", Self::BERT_RATE)?;
        Ok(Box::new(Self::new(rate)?))
    }
}

impl MaskSchedule for FixedRate {
    fn name(&self) -> String {
        format!("fixed:{}", self.rate)
    }

    fn mask_rate(&self, _t: f64) -> f64 {
        self.rate
    }

    fn alpha_derivative(&self, _t: f64) -> f64 {
        0.0
    }

    fn elbo_weight(&self, _t: f64) -> Option<f64> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_is_constant_and_has_no_elbo() {
        let schedule = FixedRate::new(0.15).unwrap();
        for t in [0.0, 0.3, 1.0] {
            assert_eq!(schedule.mask_rate(t), 0.15);
            assert_eq!(schedule.elbo_weight(t), None);
        }
        assert!(!schedule.has_elbo());
        assert_eq!(schedule.name(), "fixed:0.15");
    }

    #[test]
    fn rejects_rates_outside_unit_interval() {
        for rate in [0.0, -0.1, 1.5, f64::NAN, f64::INFINITY] {
            assert!(FixedRate::new(rate).is_err(), "{rate}");
        }
        assert!(FixedRate::new(1.0).is_ok());
    }
}
