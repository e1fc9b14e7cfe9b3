use std::sync::Arc;

use unmask_schedule::{MaskSchedule, ScheduleContext, ScheduleRegistry};

use crate::{CommitSplit, SamplerError};

/// How a confidence policy ranks the tokens it sampled at masked positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfidenceScore {
    /// Probability of the sampled token (LLaDA `low_confidence`, MaskGIT).
    Prob,
    /// `p_top1 - p_top2` of the position's distribution.
    Margin,
    /// Negative entropy of the position's distribution (Dream).
    Entropy,
    /// A uniform random order (LLaDA `random`); logits are requested only where it commits.
    Random,
}

/// A denoising loop, chosen by name with [`Policy::parse`].
#[derive(Debug, Clone)]
pub enum Policy {
    /// `seed`: the seed experiment's loop. Sample every generated position, write all, then
    /// re-mask each independently with probability `1 - (k + 1) / steps`.
    Seed,
    /// `ancestral`: MDLM's ddpm reverse step on `schedule`; a masked position is revealed with
    /// probability `(alpha_s - alpha_t) / (1 - alpha_t)`.
    Ancestral { schedule: Arc<dyn MaskSchedule> },
    /// `prob`, `margin`, `entropy`, `random`: commit the best-scored samples, `split` saying how many per step.
    Confidence {
        score: ConfidenceScore,
        split: CommitSplit,
    },
    /// `threshold`: commit every sample whose probability is at least `threshold`, and at
    /// least one per step (Fast-dLLM).
    Threshold { threshold: f64 },
}

/// Parameters that some policies take, as given by a user (CLI flags, a config file).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PolicyParams {
    /// A schedule spec (`linear`, `cosine`, `loglinear:1e-3`...): the ancestral policy's noise
    /// schedule (default `linear`) or a confidence policy's commit split (default `even`,
    /// which may also be written).
    pub schedule: Option<String>,
    /// The threshold policy's confidence threshold in (0, 1] (default 0.9).
    pub threshold: Option<f64>,
}

/// The threshold when none is given (Fast-dLLM and the seed repository use 0.9).
pub const DEFAULT_THRESHOLD: f64 = 0.9;

impl Policy {
    /// Every policy name [`Policy::parse`] accepts.
    pub const NAMES: [&'static str; 7] = [
        "seed",
        "ancestral",
        "prob",
        "margin",
        "entropy",
        "random",
        "threshold",
    ];

    /// The policy called `name`, resolving schedule specs with the built-in schedules.
    pub fn parse(name: &str, params: &PolicyParams) -> Result<Self, SamplerError> {
        Self::parse_with(name, params, &ScheduleRegistry::with_builtins())
    }

    /// The policy called `name`, resolving schedule specs with `registry` (which may hold
    /// schedules of other crates).
    pub fn parse_with(
        name: &str,
        params: &PolicyParams,
        registry: &ScheduleRegistry,
    ) -> Result<Self, SamplerError> {
        let unused = |parameter| SamplerError::UnusedParameter {
            policy: name.to_string(),
            parameter,
        };
        let build = |spec: &str| -> Result<Arc<dyn MaskSchedule>, SamplerError> {
            let schedule: Arc<dyn MaskSchedule> =
                registry.build(spec, &ScheduleContext::default())?.into();
            let (at_one, at_zero) = (schedule.mask_rate(1.0), schedule.mask_rate(0.0));
            if !(at_one > 0.0 && at_zero < at_one) {
                return Err(SamplerError::ScheduleNotMasking {
                    schedule: schedule.name(),
                    at_one,
                    at_zero,
                });
            }
            Ok(schedule)
        };
        let score = match name {
            "prob" => Some(ConfidenceScore::Prob),
            "margin" => Some(ConfidenceScore::Margin),
            "entropy" => Some(ConfidenceScore::Entropy),
            "random" => Some(ConfidenceScore::Random),
            _ => None,
        };
        if let Some(score) = score {
            if params.threshold.is_some() {
                return Err(unused("threshold"));
            }
            let split = match params.schedule.as_deref() {
                None | Some("even") => CommitSplit::Even,
                Some(spec) => CommitSplit::Schedule(build(spec)?),
            };
            return Ok(Self::Confidence { score, split });
        }
        match name {
            "seed" | "threshold" if params.schedule.is_some() => Err(unused("schedule")),
            "seed" if params.threshold.is_some() => Err(unused("threshold")),
            "seed" => Ok(Self::Seed),
            "threshold" => {
                let threshold = params.threshold.unwrap_or(DEFAULT_THRESHOLD);
                if !(threshold > 0.0 && threshold <= 1.0) {
                    return Err(SamplerError::InvalidThreshold(threshold));
                }
                Ok(Self::Threshold { threshold })
            }
            "ancestral" if params.threshold.is_some() => Err(unused("threshold")),
            "ancestral" => Ok(Self::Ancestral {
                schedule: build(params.schedule.as_deref().unwrap_or("linear"))?,
            }),
            _ => Err(SamplerError::UnknownPolicy {
                name: name.to_string(),
                known: Self::NAMES.iter().map(|n| n.to_string()).collect(),
            }),
        }
    }

    /// The name [`Policy::parse`] takes for this policy.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Seed => "seed",
            Self::Ancestral { .. } => "ancestral",
            Self::Confidence { score, .. } => match score {
                ConfidenceScore::Prob => "prob",
                ConfidenceScore::Margin => "margin",
                ConfidenceScore::Entropy => "entropy",
                ConfidenceScore::Random => "random",
            },
            Self::Threshold { .. } => "threshold",
        }
    }

    /// Whether ReMDM-style remasking of committed tokens applies (confidence and threshold policies).
    pub fn supports_remask(&self) -> bool {
        matches!(self, Self::Confidence { .. } | Self::Threshold { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(schedule: Option<&str>, threshold: Option<f64>) -> PolicyParams {
        PolicyParams {
            schedule: schedule.map(str::to_string),
            threshold,
        }
    }

    #[test]
    fn parses_every_name_with_defaults() {
        for name in Policy::NAMES {
            let policy = Policy::parse(name, &PolicyParams::default()).unwrap();
            assert_eq!(policy.name(), name);
        }
        match Policy::parse("ancestral", &PolicyParams::default()).unwrap() {
            Policy::Ancestral { schedule } => assert_eq!(schedule.name(), "linear"),
            other => panic!("{other:?}"),
        }
        match Policy::parse("threshold", &PolicyParams::default()).unwrap() {
            Policy::Threshold { threshold } => assert_eq!(threshold, DEFAULT_THRESHOLD),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn schedules_and_splits() {
        match Policy::parse("margin", &params(Some("cosine"), None)).unwrap() {
            Policy::Confidence {
                score: ConfidenceScore::Margin,
                split,
            } => assert_eq!(split.name(), "cosine"),
            other => panic!("{other:?}"),
        }
        match Policy::parse("prob", &params(Some("even"), None)).unwrap() {
            Policy::Confidence {
                split: CommitSplit::Even,
                ..
            } => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_names_and_parameters() {
        let err = Policy::parse("greedy", &PolicyParams::default()).unwrap_err();
        assert!(
            err.to_string().contains("known policies: seed, ancestral"),
            "{err}"
        );
        for (name, p) in [
            ("seed", params(Some("linear"), None)),
            ("seed", params(None, Some(0.5))),
            ("margin", params(None, Some(0.5))),
            ("threshold", params(Some("cosine"), None)),
            ("ancestral", params(None, Some(0.5))),
        ] {
            let err = Policy::parse(name, &p).unwrap_err();
            assert!(
                matches!(err, SamplerError::UnusedParameter { .. }),
                "{name}: {err}"
            );
        }
        for threshold in [0.0, -0.1, 1.5, f64::NAN] {
            let err = Policy::parse("threshold", &params(None, Some(threshold))).unwrap_err();
            assert!(matches!(err, SamplerError::InvalidThreshold(_)), "{err}");
        }
        let err = Policy::parse("ancestral", &params(Some("quadratic"), None)).unwrap_err();
        assert!(matches!(err, SamplerError::Schedule(_)), "{err}");
    }
}
