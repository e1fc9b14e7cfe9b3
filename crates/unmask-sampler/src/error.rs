use thiserror::Error;
use unmask_schedule::ScheduleError;

/// A boxed error from outside the sampler (the denoiser, a text encoder, an observer).
pub type BoxedError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong when building canvases, configuring a sampler or running it.
#[derive(Debug, Error)]
pub enum SamplerError {
    #[error("template {template:?} has no masked span; add one such as `[MASK:20]`")]
    NoMaskedSpan { template: String },

    #[error(
        "malformed template {template:?} at byte {offset}: {reason}; \
         write masked spans as `[MASK:N]` with N >= 1 (e.g. `[MASK:12]`)"
    )]
    MalformedTemplate {
        template: String,
        offset: usize,
        reason: String,
    },

    #[error("could not encode the template text {segment:?}")]
    Encode {
        segment: String,
        #[source]
        source: BoxedError,
    },

    #[error(
        "the prompt ({prompt_len} tokens with the special tokens) leaves no room in a canvas of \
         {canvas_len} tokens; shorten the prompt or use a longer canvas"
    )]
    PromptTooLong {
        prompt_len: usize,
        canvas_len: usize,
    },

    #[error(
        "the canvas has {len} tokens but the model takes at most {max}; shorten the prompt or generate fewer tokens"
    )]
    CanvasTooLong { len: usize, max: usize },

    #[error("a canvas of {len} tokens is more than this machine can hold; generate fewer tokens")]
    CanvasTooLarge { len: usize },

    #[error(
        "steps {steps} is more than the {max} a sampler runs (each step is a model call); ask for fewer steps"
    )]
    TooManySteps { steps: usize, max: usize },

    #[error("nothing to generate: the canvas has no masked position; ask for at least 1 token")]
    NothingToGenerate,

    #[error("a canvas needs one `fixed` flag per token, got {tokens} tokens and {fixed} flags")]
    CanvasShape { tokens: usize, fixed: usize },

    #[error(
        "position {position} is fixed but holds the mask token; a fixed position must hold real text"
    )]
    FixedMask { position: usize },

    #[error("steps must be at least 1")]
    ZeroSteps,

    #[error("temperature must be a finite number >= 0 (0 means greedy), got {0}")]
    InvalidTemperature(f64),

    #[error("top-k must be at least 1 (leave it unset to keep every token)")]
    ZeroTopK,

    #[error("top-p must lie in (0, 1], got {0}")]
    InvalidTopP(f64),

    #[error("the confidence threshold must lie in (0, 1], got {0}")]
    InvalidThreshold(f64),

    #[error("the remasking probability must lie in [0, 1), got {0}")]
    InvalidRemask(f64),

    #[error("the block length must be at least 1 (leave it unset for one block)")]
    ZeroBlockLen,

    #[error(
        "the {cache} cache needs semi-autoregressive blocks: set a block length (`--block`) \
         shorter than the generated text"
    )]
    CacheWithoutBlocks { cache: crate::CacheMode },

    #[error(
        "the {cache} cache cannot serve {what}: it rewrites committed tokens, so keys and \
         values recorded at the start of a block would go stale within it"
    )]
    CacheRewrites {
        cache: crate::CacheMode,
        what: &'static str,
    },

    #[error(
        "the cache refresh interval must be at least 1 step (leave it unset to refresh at block starts only)"
    )]
    ZeroCacheRefresh,

    #[error("a cache refresh interval was given without a cache (`--cache prefix|dual`)")]
    RefreshWithoutCache,

    #[error("unknown sampling policy `{name}`; known policies: {}", known.join(", "))]
    UnknownPolicy { name: String, known: Vec<String> },

    #[error("policy `{policy}` takes no `{parameter}`; remove it or pick a policy that uses it")]
    UnusedParameter {
        policy: String,
        parameter: &'static str,
    },

    #[error(transparent)]
    Schedule(#[from] ScheduleError),

    #[error(
        "schedule `{schedule}` does not take the canvas from masked to clean (mask rate {at_one} \
         at t = 1, {at_zero} at t = 0), so it cannot plan a reverse process; pick a diffusion \
         schedule such as `linear` or `cosine`"
    )]
    ScheduleNotMasking {
        schedule: String,
        at_one: f64,
        at_zero: f64,
    },

    #[error(
        "canvas {canvas}: {generated} positions to generate in blocks of {block_len} make {blocks} \
         blocks, more than the {steps} steps; raise the steps or the block length"
    )]
    TooFewSteps {
        canvas: usize,
        generated: usize,
        block_len: usize,
        blocks: usize,
        steps: usize,
    },

    #[error("no canvas to generate; pass at least one")]
    EmptyBatch,

    #[error("the denoiser reports a vocabulary of 0 tokens")]
    EmptyVocab,

    #[error("forbidden token id {token} is outside the vocabulary of {vocab} tokens")]
    ForbiddenOutOfVocab { token: u32, vocab: usize },

    #[error(
        "canvas {canvas} holds token id {token} at position {position}, outside the model's \
         vocabulary of {vocab} tokens; encode the prompt with the model's tokenizer"
    )]
    TokenOutOfVocab {
        canvas: usize,
        position: usize,
        token: u32,
        vocab: usize,
    },

    #[error("every token of the vocabulary is forbidden; nothing can be sampled")]
    AllTokensForbidden,

    #[error("the denoiser failed at step {step}")]
    Denoiser {
        step: usize,
        #[source]
        source: BoxedError,
    },

    #[error("the denoiser returned malformed logits at step {step}: {reason}")]
    DenoiserOutput { step: usize, reason: String },

    #[error("step {step}, canvas {canvas}, position {position}: {problem}")]
    BadLogits {
        step: usize,
        canvas: usize,
        position: usize,
        problem: String,
    },

    #[error("the step observer failed at step {step}")]
    Observer {
        step: usize,
        #[source]
        source: BoxedError,
    },
}
