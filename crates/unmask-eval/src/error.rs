use thiserror::Error;
use unmask_schedule::ScheduleError;

/// A model's or scorer's own failure, passed through.
pub type BoxedError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong while evaluating.
#[derive(Debug, Error)]
pub enum EvalError {
    #[error(
        "the perplexity bound needs a diffusion schedule with an ELBO weight, but `{schedule}` \
         has none ({reason}); evaluate under a diffusion schedule such as `linear` (the \
         default). The bound is a property of the model and the evaluation schedule only the \
         measuring tape, so a model trained with `fixed:0.15` or `spindle` is still measured \
         under `linear`"
    )]
    NoElboWeight { schedule: String, reason: String },

    #[error(
        "schedule `{schedule}` gave the ELBO weight {weight} at t = {t}; a diffusion schedule's \
         weight -alpha'(t) / (1 - alpha(t)) is finite and non-negative inside (0, 1]"
    )]
    InvalidElboWeight {
        schedule: String,
        t: f64,
        weight: f64,
    },

    #[error(
        "the sequences have no maskable token (empty, all protected ids, or all inside the \
         prompt region of {prompt_len} tokens); pass held-out text longer than the prompt region"
    )]
    NoMaskableTokens { prompt_len: usize },

    #[error("{option} = {value} is invalid; expected {expected}")]
    InvalidOption {
        option: &'static str,
        value: String,
        expected: &'static str,
    },

    #[error(
        "sequence {sequence} holds token id {token} at position {position}, but the model's \
         vocabulary has {vocab} ids; tokenize the text with the model's own tokenizer"
    )]
    TokenOutOfVocabulary {
        sequence: usize,
        position: usize,
        token: u32,
        vocab: usize,
    },

    #[error(
        "the model reports a vocabulary of 0 ids; a denoiser must have at least one logit per position"
    )]
    EmptyVocabulary,

    #[error("model call {call} failed: {source}")]
    Model {
        call: usize,
        #[source]
        source: BoxedError,
    },

    #[error(
        "model call {call} returned {got} logit rows for a batch of {expected} canvases; a \
         Denoiser returns one Vec per canvas"
    )]
    WrongBatchSize {
        call: usize,
        expected: usize,
        got: usize,
    },

    #[error(
        "model call {call} returned {got} logits for canvas {canvas}, expected {expected} \
         (requested positions x vocabulary size)"
    )]
    WrongLogitCount {
        call: usize,
        canvas: usize,
        expected: usize,
        got: usize,
    },

    #[error(
        "model call {call} returned the logit {value} at position {position} of canvas \
         {canvas}; logits must be finite numbers or -inf (an impossible token)"
    )]
    BadLogit {
        call: usize,
        canvas: usize,
        position: usize,
        value: f32,
    },

    #[error("scoring sample {sample} failed: {source}")]
    Scorer {
        sample: usize,
        #[source]
        source: BoxedError,
    },

    #[error(
        "the scorer returned {got} NLL values for sample {sample} of {tokens} tokens; \
         CausalScorer::token_nll returns one value per token after the first ({expected})"
    )]
    WrongNllCount {
        sample: usize,
        tokens: usize,
        expected: usize,
        got: usize,
    },

    #[error(
        "the scorer returned the NLL {value} for token {index} of sample {sample}; an NLL is \
         a non-negative number (+inf for an impossible token is not allowed either)"
    )]
    BadNll {
        sample: usize,
        index: usize,
        value: f32,
    },

    #[error(
        "no sample has two or more evaluator tokens, so nothing can be scored; generative \
         perplexity scores each token given the tokens before it"
    )]
    NothingScored,

    #[error("re-tokenizing sample {sample} failed: {source}")]
    Retokenize {
        sample: usize,
        #[source]
        source: BoxedError,
    },

    #[error(transparent)]
    Schedule(#[from] ScheduleError),
}
