//! A burn BERT/RoBERTa masked language model that loads and saves Hugging Face checkpoints
//! and matches transformers' logits.

mod activation;
mod attention;
pub mod checkpoint;
pub mod config;
mod dropout;
mod embeddings;
pub mod error;
pub mod fill_mask;
mod init;
mod layer;
mod mlm_head;
pub mod model;
pub mod params;
pub mod tensor_file;

pub use checkpoint::{LoadReport, load_masked_lm, save_masked_lm};
pub use config::{HiddenAct, MaskedLmConfig, ModelKind};
pub use dropout::Dropout;
pub use error::ModelError;
pub use model::MaskedLm;
