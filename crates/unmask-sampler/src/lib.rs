//! The token canvas of masked text diffusion and its denoising loops.
//!
//! A [`Canvas`] holds fixed text and masked positions; a [`Sampler`] built from a
//! [`SamplerConfig`] runs one of the [`Policy`] loops on a batch of canvases, asking a
//! [`Denoiser`] (the model, behind a small trait) for logits at the positions it needs,
//! until no mask is left. See `docs/sampling.md`.

mod blocks;
mod cache;
mod canvas;
mod canvas_run;
mod commit_split;
mod config;
mod denoiser;
mod error;
mod fast_exp;
mod generation;
mod nucleus;
mod observer;
mod policy;
pub mod reference;
pub mod rng;
mod rules;
mod sampler;
mod template;
mod token_sampler;

pub use blocks::split_into_blocks;
pub use cache::{CacheMode, CacheWindow};
pub use canvas::Canvas;
pub use commit_split::CommitSplit;
pub use config::SamplerConfig;
pub use denoiser::Denoiser;
pub use error::{BoxedError, SamplerError};
pub use generation::Generation;
pub use observer::{NoObserver, StepObserver, TraceObserver};
pub use policy::{ConfidenceScore, DEFAULT_THRESHOLD, Policy, PolicyKind, PolicyParams};
pub use sampler::Sampler;
pub use template::{Segment, Template};
pub use token_sampler::{RowProblem, TokenSampler};
