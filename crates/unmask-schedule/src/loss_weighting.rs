use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{MaskSchedule, ScheduleError};

/// The largest ELBO weight handed out; larger (or infinite) weights are cut to it.
///
/// Weights like 1/t blow up as t -> 0, where a block of a few hundred tokens has almost
/// no masked token, so a single unlucky mask would dominate a batch. With the usual time
/// offset eps = 1e-3 the built-in schedules never exceed 2e3 (cosine-mdlm's 2/t; linear
/// and cosine reach 1/t = 1e3), so the cap only acts for t below about 1e-4, e.g. time
/// samplers with eps = 0, or t = 0 exactly. There the clipped loss can undershoot the
/// exact bound by about the integral of the weighted loss over t < 1e-4, a fraction
/// of order 1e-4 of the total.
pub const MAX_ELBO_WEIGHT: f64 = 1e4;

/// How the per-example masked-token loss is weighted by its time t. Configs spell it
/// `uniform` or `elbo` (serde and [`FromStr`] alike).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LossWeighting {
    /// Weight 1 (BERT, the seed experiment).
    #[default]
    Uniform,
    /// The ELBO weight -alpha'(t) / (1 - alpha(t)) (MDLM, LLaDA), cut at
    /// [`MAX_ELBO_WEIGHT`]; the weighted loss bounds the negative log-likelihood.
    Elbo,
}

impl LossWeighting {
    /// Fails where this weighting cannot be used with `schedule` (ELBO without one);
    /// check once before a training run rather than at the first batch.
    pub fn check(&self, schedule: &dyn MaskSchedule) -> Result<(), ScheduleError> {
        match self {
            Self::Elbo if !schedule.has_elbo() => Err(ScheduleError::NoElboWeight {
                schedule: schedule.name(),
                reason: schedule.no_elbo_reason(),
            }),
            _ => Ok(()),
        }
    }

    /// The loss weight of an example at time `t`.
    pub fn weight(&self, schedule: &dyn MaskSchedule, t: f64) -> Result<f64, ScheduleError> {
        match self {
            Self::Uniform => Ok(1.0),
            Self::Elbo => {
                self.check(schedule)?;
                // None here means a zero mask rate: the weight diverges, so it takes the cap.
                let weight = schedule.elbo_weight(t).unwrap_or(f64::INFINITY);
                if weight.is_nan() || weight < 0.0 {
                    return Err(ScheduleError::InvalidWeight {
                        schedule: schedule.name(),
                        t,
                        weight,
                    });
                }
                Ok(weight.min(MAX_ELBO_WEIGHT))
            }
        }
    }

    /// The spelling `FromStr` accepts: `uniform` or `elbo`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Uniform => "uniform",
            Self::Elbo => "elbo",
        }
    }
}

impl fmt::Display for LossWeighting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for LossWeighting {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "uniform" => Ok(Self::Uniform),
            "elbo" => Ok(Self::Elbo),
            other => Err(ScheduleError::UnknownLossWeighting(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Cosine, FixedRate, Linear};

    #[test]
    fn uniform_is_one_everywhere() {
        let schedule = FixedRate::new(0.15).unwrap();
        assert_eq!(LossWeighting::Uniform.weight(&schedule, 0.3), Ok(1.0));
    }

    #[test]
    fn elbo_on_fixed_rate_says_to_use_uniform() {
        let schedule = FixedRate::new(0.15).unwrap();
        let err = LossWeighting::Elbo.weight(&schedule, 0.3).unwrap_err();
        assert!(matches!(err, ScheduleError::NoElboWeight { .. }));
        assert!(err.to_string().contains("uniform"), "{err}");
    }

    #[test]
    fn elbo_is_inverse_t_for_linear_and_capped_near_zero() {
        let schedule = Linear::default();
        assert_eq!(LossWeighting::Elbo.weight(&schedule, 0.5), Ok(2.0));
        assert_eq!(LossWeighting::Elbo.weight(&schedule, 1e-3), Ok(1e3));
        assert_eq!(
            LossWeighting::Elbo.weight(&schedule, 1e-9),
            Ok(MAX_ELBO_WEIGHT)
        );
        assert_eq!(
            LossWeighting::Elbo.weight(&schedule, 0.0),
            Ok(MAX_ELBO_WEIGHT)
        );
        assert_eq!(
            LossWeighting::Elbo.weight(&Cosine, 0.0),
            Ok(MAX_ELBO_WEIGHT)
        );
    }

    #[test]
    fn parses_and_prints() {
        for weighting in [LossWeighting::Uniform, LossWeighting::Elbo] {
            assert_eq!(weighting.to_string().parse(), Ok(weighting));
        }
        assert!("1/t".parse::<LossWeighting>().is_err());
    }
}
