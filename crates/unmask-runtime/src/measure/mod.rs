//! How a model is measured: one implementation for `unmask eval` and the experiments, so the
//! two cannot disagree. A masked LM: the ELBO perplexity bound and the loss-vs-mask-rate curve
//! on held-out blocks ([`masked`]); a causal LM: held-out NLL on the same blocks ([`causal`]);
//! either: samples ([`samples`]) scored beside real held-out text and its shuffled-words
//! control ([`scoring`]).

pub mod call_counter;
pub mod causal;
pub mod held_out;
pub mod masked;
pub mod samples;
pub mod scoring;

pub use causal::{CausalModel, CausalScores, causal_scores};
pub use held_out::{HeldOut, word_count};
pub use masked::{
    HeldOutOptions, HeldOutScores, MaskedModel, block_len_for, held_out_blocks, held_out_scores,
};
pub use samples::{
    Samples, TOP_K, TOP_P, causal_samples, diffusion_config, diffusion_samples,
    diffusion_samples_with,
};
pub use scoring::{
    Controls, Generated, SampleScorer, check_evaluator_spells, generative_perplexity,
    train_vocabulary,
};
