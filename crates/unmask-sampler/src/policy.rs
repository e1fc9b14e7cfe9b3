use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
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

/// Which denoising loop, as configs and the command line spell it: `seed`, `ancestral`,
/// `prob`, `margin`, `entropy`, `random` or `threshold` (serde, [`FromStr`] and [`fmt::Display`]
/// alike). [`Policy::new`] builds the loop with its parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyKind {
    Seed,
    Ancestral,
    #[default]
    Prob,
    Margin,
    Entropy,
    Random,
    Threshold,
}

impl PolicyKind {
    /// Every policy, in the order errors and help list them.
    pub const ALL: [PolicyKind; 7] = [
        Self::Seed,
        Self::Ancestral,
        Self::Prob,
        Self::Margin,
        Self::Entropy,
        Self::Random,
        Self::Threshold,
    ];

    /// The spelling serde, [`FromStr`] and [`fmt::Display`] use.
    pub fn name(self) -> &'static str {
        match self {
            Self::Seed => "seed",
            Self::Ancestral => "ancestral",
            Self::Prob => "prob",
            Self::Margin => "margin",
            Self::Entropy => "entropy",
            Self::Random => "random",
            Self::Threshold => "threshold",
        }
    }

    /// The score a confidence policy ranks by; `None` for the other loops.
    pub fn confidence_score(self) -> Option<ConfidenceScore> {
        match self {
            Self::Prob => Some(ConfidenceScore::Prob),
            Self::Margin => Some(ConfidenceScore::Margin),
            Self::Entropy => Some(ConfidenceScore::Entropy),
            Self::Random => Some(ConfidenceScore::Random),
            Self::Seed | Self::Ancestral | Self::Threshold => None,
        }
    }

    /// Whether ReMDM-style remasking of committed tokens applies (confidence and threshold policies).
    pub fn supports_remask(self) -> bool {
        self.confidence_score().is_some() || self == Self::Threshold
    }
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PolicyKind {
    type Err = SamplerError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.name() == s)
            .ok_or_else(|| SamplerError::UnknownPolicy {
                name: s.to_string(),
                known: Self::ALL.iter().map(|k| k.name().to_string()).collect(),
            })
    }
}

/// A denoising loop with its parameters, built from a [`PolicyKind`] by [`Policy::new`].
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
    /// The `kind` loop with `params`, resolving schedule specs with the built-in schedules.
    pub fn new(kind: PolicyKind, params: &PolicyParams) -> Result<Self, SamplerError> {
        Self::with_registry(kind, params, &ScheduleRegistry::with_builtins())
    }

    /// The `kind` loop with `params`, resolving schedule specs with `registry` (which may hold
    /// schedules of other crates).
    pub fn with_registry(
        kind: PolicyKind,
        params: &PolicyParams,
        registry: &ScheduleRegistry,
    ) -> Result<Self, SamplerError> {
        let unused = |parameter| SamplerError::UnusedParameter {
            policy: kind.name().to_string(),
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
        let confidence = |score| {
            if params.threshold.is_some() {
                return Err(unused("threshold"));
            }
            let split = match params.schedule.as_deref() {
                None | Some("even") => CommitSplit::Even,
                Some(spec) => CommitSplit::Schedule(build(spec)?),
            };
            Ok(Self::Confidence { score, split })
        };
        match kind {
            PolicyKind::Seed | PolicyKind::Threshold if params.schedule.is_some() => {
                Err(unused("schedule"))
            }
            PolicyKind::Seed | PolicyKind::Ancestral if params.threshold.is_some() => {
                Err(unused("threshold"))
            }
            PolicyKind::Seed => Ok(Self::Seed),
            PolicyKind::Threshold => {
                let threshold = params.threshold.unwrap_or(DEFAULT_THRESHOLD);
                if !(threshold > 0.0 && threshold <= 1.0) {
                    return Err(SamplerError::InvalidThreshold(threshold));
                }
                Ok(Self::Threshold { threshold })
            }
            PolicyKind::Ancestral => Ok(Self::Ancestral {
                schedule: build(params.schedule.as_deref().unwrap_or("linear"))?,
            }),
            PolicyKind::Prob => confidence(ConfidenceScore::Prob),
            PolicyKind::Margin => confidence(ConfidenceScore::Margin),
            PolicyKind::Entropy => confidence(ConfidenceScore::Entropy),
            PolicyKind::Random => confidence(ConfidenceScore::Random),
        }
    }

    /// Which loop this is.
    pub fn kind(&self) -> PolicyKind {
        match self {
            Self::Seed => PolicyKind::Seed,
            Self::Ancestral { .. } => PolicyKind::Ancestral,
            Self::Confidence { score, .. } => match score {
                ConfidenceScore::Prob => PolicyKind::Prob,
                ConfidenceScore::Margin => PolicyKind::Margin,
                ConfidenceScore::Entropy => PolicyKind::Entropy,
                ConfidenceScore::Random => PolicyKind::Random,
            },
            Self::Threshold { .. } => PolicyKind::Threshold,
        }
    }

    /// The name of its [`PolicyKind`].
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// Whether ReMDM-style remasking of committed tokens applies (confidence and threshold policies).
    pub fn supports_remask(&self) -> bool {
        self.kind().supports_remask()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PolicyKind::*;

    fn params(schedule: Option<&str>, threshold: Option<f64>) -> PolicyParams {
        PolicyParams {
            schedule: schedule.map(str::to_string),
            threshold,
        }
    }

    #[test]
    fn every_name_round_trips() {
        let names: Vec<&str> = PolicyKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(
            names,
            [
                "seed",
                "ancestral",
                "prob",
                "margin",
                "entropy",
                "random",
                "threshold"
            ]
        );
        for kind in PolicyKind::ALL {
            let name = kind.name();
            assert_eq!(kind.to_string(), name);
            assert_eq!(name.parse::<PolicyKind>().unwrap(), kind);
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{name}\""));
            assert_eq!(serde_json::from_str::<PolicyKind>(&json).unwrap(), kind);
            let policy = Policy::new(kind, &PolicyParams::default()).unwrap();
            assert_eq!(policy.kind(), kind);
            assert_eq!(policy.name(), name);
            assert_eq!(policy.supports_remask(), kind.supports_remask());
        }
        assert_eq!(PolicyKind::default(), Prob);
    }

    #[test]
    fn defaults() {
        match Policy::new(Ancestral, &PolicyParams::default()).unwrap() {
            Policy::Ancestral { schedule } => assert_eq!(schedule.name(), "linear"),
            other => panic!("{other:?}"),
        }
        match Policy::new(Threshold, &PolicyParams::default()).unwrap() {
            Policy::Threshold { threshold } => assert_eq!(threshold, DEFAULT_THRESHOLD),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn schedules_and_splits() {
        match Policy::new(Margin, &params(Some("cosine"), None)).unwrap() {
            Policy::Confidence {
                score: ConfidenceScore::Margin,
                split,
            } => assert_eq!(split.name(), "cosine"),
            other => panic!("{other:?}"),
        }
        match Policy::new(Prob, &params(Some("even"), None)).unwrap() {
            Policy::Confidence {
                split: CommitSplit::Even,
                ..
            } => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_names_and_parameters() {
        for name in ["greedy", "Prob", " prob", ""] {
            let err = name.parse::<PolicyKind>().unwrap_err();
            assert!(
                matches!(&err, SamplerError::UnknownPolicy { name: n, .. } if n == name),
                "{err}"
            );
            assert!(
                err.to_string().contains(
                    "known policies: seed, ancestral, prob, margin, entropy, random, threshold"
                ),
                "{err}"
            );
        }
        for (kind, p) in [
            (Seed, params(Some("linear"), None)),
            (Seed, params(None, Some(0.5))),
            (Margin, params(None, Some(0.5))),
            (Threshold, params(Some("cosine"), None)),
            (Ancestral, params(None, Some(0.5))),
        ] {
            let err = Policy::new(kind, &p).unwrap_err();
            assert!(
                matches!(err, SamplerError::UnusedParameter { .. }),
                "{kind}: {err}"
            );
        }
        for threshold in [0.0, -0.1, 1.5, f64::NAN] {
            let err = Policy::new(Threshold, &params(None, Some(threshold))).unwrap_err();
            assert!(matches!(err, SamplerError::InvalidThreshold(_)), "{err}");
        }
        let err = Policy::new(Ancestral, &params(Some("quadratic"), None)).unwrap_err();
        assert!(matches!(err, SamplerError::Schedule(_)), "{err}");
    }
}
