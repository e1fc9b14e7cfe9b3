//! The autoregressive baseline of unmask: a burn GPT-2 (transformers' `GPT2LMHeadModel`)
//! that loads and saves Hugging Face checkpoints, matches transformers' logits, decodes with
//! a KV cache and scores text by per-token negative log-likelihood.

mod attention;
mod block;
pub mod checkpoint;
pub mod config;
pub mod error;
pub mod generate;
pub mod kv_cache;
mod mlp;
pub mod model;
pub mod params;
pub mod sampling;
pub mod scoring;

pub use checkpoint::{LoadReport, load_gpt2, save_gpt2};
pub use config::Gpt2Config;
pub use error::Gpt2Error;
pub use generate::{Generation, generate_tokens};
pub use kv_cache::KvCache;
pub use model::Gpt2LmHead;
pub use sampling::{GenerateOptions, TokenSampler};
pub use scoring::{Window, sliding_windows};
