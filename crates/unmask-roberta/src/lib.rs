//! A burn BERT/RoBERTa masked language model that loads and saves Hugging Face checkpoints
//! and matches transformers' logits.

mod attention;
pub mod checkpoint;
pub mod config;
mod context_cache;
mod embeddings;
pub mod fill_mask;
mod layer;
mod mlm_head;
pub mod model;
pub mod params;

pub use checkpoint::{LoadReport, load_masked_lm, save_masked_lm};
pub use config::{MaskedLmConfig, ModelKind};
pub use context_cache::ContextCache;
pub use model::MaskedLm;
