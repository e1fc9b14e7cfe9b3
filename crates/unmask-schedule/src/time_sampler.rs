use std::fmt;
use std::str::FromStr;

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::ScheduleError;
use crate::params::check_eps;

/// How the diffusion times of a batch are drawn. Both variants return times in
/// [eps, 1); a discrete-level schedule maps them onto its levels, each level then
/// coming up with probability about 1/n.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeSampler {
    /// Independent t ~ U(eps, 1) per example.
    Iid { eps: f64 },
    /// MDLM's antithetic (stratified) draw: one u ~ U(0, 1) per batch and
    /// t_i = (1 - eps)((u + i/n) mod 1) + eps, one time in each of n equal strata of
    /// [eps, 1). Lowers the variance of the batch loss.
    Antithetic { eps: f64 },
}

/// Which [`TimeSampler`], as configs spell it: `iid` or `antithetic`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeSampling {
    Iid,
    #[default]
    Antithetic,
}

impl TimeSampler {
    pub const DEFAULT_EPS: f64 = 1e-3;

    /// The `kind` sampler with time offset `eps` (in [0, 0.5)).
    pub fn new(kind: TimeSampling, eps: f64) -> Result<Self, ScheduleError> {
        match kind {
            TimeSampling::Iid => Self::iid(eps),
            TimeSampling::Antithetic => Self::antithetic(eps),
        }
    }

    /// `eps` must lie in [0, 0.5).
    pub fn iid(eps: f64) -> Result<Self, ScheduleError> {
        Ok(Self::Iid {
            eps: check_eps("iid", eps)?,
        })
    }

    /// `eps` must lie in [0, 0.5).
    pub fn antithetic(eps: f64) -> Result<Self, ScheduleError> {
        Ok(Self::Antithetic {
            eps: check_eps("antithetic", eps)?,
        })
    }

    pub fn eps(&self) -> f64 {
        match *self {
            Self::Iid { eps } | Self::Antithetic { eps } => eps,
        }
    }

    /// Checks eps of a sampler built from its variant directly.
    pub fn check(&self) -> Result<(), ScheduleError> {
        check_eps(self.kind(), self.eps()).map(|_| ())
    }

    /// `n` times in [eps, 1). An eps outside [0, 0.5) (see [`TimeSampler::check`]) is
    /// clamped into that range.
    pub fn sample<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> Vec<f64> {
        let eps = self.eps().clamp(0.0, crate::params::MAX_EPS);
        let scale = |u: f64| (1.0 - eps) * u + eps;
        match self {
            Self::Iid { .. } => (0..n).map(|_| scale(rng.random::<f64>())).collect(),
            Self::Antithetic { .. } => {
                let u: f64 = rng.random();
                (0..n)
                    .map(|i| scale((u + i as f64 / n as f64).fract()))
                    .collect()
            }
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Iid { .. } => "iid",
            Self::Antithetic { .. } => "antithetic",
        }
    }
}

impl Default for TimeSampler {
    fn default() -> Self {
        Self::Antithetic {
            eps: Self::DEFAULT_EPS,
        }
    }
}

/// Prints the spelling `FromStr` reads back, e.g. `antithetic:0.001`.
impl fmt::Display for TimeSampler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind(), self.eps())
    }
}

/// `iid`, `iid:EPS`, `antithetic` or `antithetic:EPS` (eps default 1e-3).
impl FromStr for TimeSampler {
    type Err = ScheduleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (kind, eps) = match s.split_once(':') {
            Some((kind, eps)) => (kind.trim(), Some(eps.trim())),
            None => (s.trim(), None),
        };
        let eps = match eps {
            None => Self::DEFAULT_EPS,
            Some(raw) => raw.parse().map_err(|_| ScheduleError::InvalidParameter {
                component: kind.to_string(),
                parameter: "eps".to_string(),
                value: raw.to_string(),
                expected: "a number in [0, 0.5), e.g. 0.001".to_string(),
            })?,
        };
        match kind {
            "iid" => Self::iid(eps),
            "antithetic" => Self::antithetic(eps),
            _ => Err(ScheduleError::UnknownTimeSampler(s.trim().to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn antithetic_times_are_one_per_stratum() {
        let mut rng = StdRng::seed_from_u64(7);
        let eps = 0.1;
        let times = TimeSampler::antithetic(eps).unwrap().sample(4, &mut rng);
        let mut strata: Vec<usize> = times
            .iter()
            .map(|t| ((t - eps) / (1.0 - eps) * 4.0).floor() as usize)
            .collect();
        strata.sort();
        assert_eq!(strata, [0, 1, 2, 3], "{times:?}");
    }

    #[test]
    fn parses_and_prints() {
        assert_eq!("iid".parse(), Ok(TimeSampler::Iid { eps: 1e-3 }));
        assert_eq!(
            "antithetic:0".parse(),
            Ok(TimeSampler::Antithetic { eps: 0.0 })
        );
        let sampler = TimeSampler::iid(0.01).unwrap();
        assert_eq!(sampler.to_string().parse(), Ok(sampler));
        assert!("antithetic:0.7".parse::<TimeSampler>().is_err());
        assert!("stratified".parse::<TimeSampler>().is_err());
        assert!("iid:x".parse::<TimeSampler>().is_err());
        assert!(TimeSampler::Iid { eps: -1.0 }.check().is_err());
    }

    #[test]
    fn empty_batch_is_empty() {
        let mut rng = StdRng::seed_from_u64(0);
        assert!(TimeSampler::default().sample(0, &mut rng).is_empty());
    }
}
