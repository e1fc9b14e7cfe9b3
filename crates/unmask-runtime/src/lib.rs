//! What unmask's front ends (the `unmask` command, the experiments, the benchmarks) share:
//! `--device` and the backend it names, `--model` sources, the masked LM behind the sampler's
//! `Denoiser` trait and GPT-2 behind the evaluator's `CausalScorer` trait, and how a model is
//! measured (`measure`: the one implementation `unmask eval` and the experiments share), and
//! the denoising animation of a generation (`animation`), and how an error is printed
//! (`error_message`).

pub mod allocator;
pub mod animation;
pub mod block_cache;
pub mod causal_lm;
pub mod denoiser;
pub mod device;
pub mod error_message;
pub mod masked_lm;
pub mod measure;
pub mod source;
