//! Diffusion training of BERT-family masked LMs: the same network, trained on mask rates
//! drawn from a noise schedule instead of BERT's fixed 15%.

pub mod batcher;
pub mod clip;
pub mod config;
pub mod data;
pub mod loss;
pub mod lr;
pub mod metrics;
pub mod state;
pub mod trainer;

pub use batcher::{DiffusionBatch, DiffusionBatcher, Maskable};
pub use config::TrainConfig;
pub use trainer::{TrainOptions, TrainSummary, train};
