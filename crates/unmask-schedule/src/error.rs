use thiserror::Error;

/// Everything that can go wrong when building or using a noise schedule.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ScheduleError {
    #[error("unknown noise schedule `{name}`; known schedules: {}", known.join(", "))]
    UnknownSchedule { name: String, known: Vec<String> },

    #[error(
        "malformed schedule spec `{spec}`: {reason}; write `name` or `name:arg1,arg2` \
         (e.g. `fixed:0.15`, `levels:10`, `linear`)"
    )]
    MalformedSpec { spec: String, reason: String },

    #[error("`{component}`: {parameter} = {value} is invalid; expected {expected}")]
    InvalidParameter {
        component: String,
        parameter: String,
        value: String,
        expected: String,
    },

    #[error(
        "schedule `{schedule}` takes at most {max} argument(s) but got {got}; usage: `{usage}`"
    )]
    TooManyArguments {
        schedule: String,
        max: usize,
        got: usize,
        usage: String,
    },

    #[error(
        "schedule `{schedule}` needs corpus token counts (one count per token id); \
         count the tokens of the training corpus and pass them in \
         `ScheduleContext::with_token_counts`"
    )]
    MissingTokenCounts { schedule: String },

    #[error("invalid token counts for schedule `{schedule}`: {reason}")]
    InvalidTokenCounts { schedule: String, reason: String },

    #[error(
        "schedule `{schedule}` has no ELBO weight ({reason}); use the `uniform` loss \
         weighting with it"
    )]
    NoElboWeight { schedule: String, reason: String },

    #[error(
        "schedule `{schedule}` gave the invalid ELBO weight {weight} at t = {t}; \
         its alpha(t) must not increase with t"
    )]
    InvalidWeight {
        schedule: String,
        t: f64,
        weight: f64,
    },

    #[error("schedule name `{name}` cannot be registered: {reason}")]
    InvalidName { name: String, reason: String },

    #[error("a schedule named `{name}` is already registered; register yours under another name")]
    DuplicateName { name: String },

    #[error("unknown loss weighting `{0}`; use `uniform` or `elbo`")]
    UnknownLossWeighting(String),

    #[error("unknown time sampler `{0}`; use `iid`, `iid:EPS`, `antithetic` or `antithetic:EPS`")]
    UnknownTimeSampler(String),
}
