//! Diffusion training of BERT-family masked LMs: the same network, trained on mask rates
//! drawn from a noise schedule instead of BERT's fixed 15%.

pub mod batcher;
pub mod block_order;
pub mod build;
pub mod clip;
pub mod config;
pub mod data;
pub mod fresh_init;
pub mod loss;
pub mod lr;
pub mod metrics;
pub mod objective;
pub mod observer;
pub mod run_dir;
pub mod scratch_model;
pub mod state;
pub mod step;
pub mod token_predictor;
pub mod trainer;
pub mod validation;
pub mod weight_decay;

pub use batcher::{DiffusionBatcher, TrainBatch};
pub use config::{Architecture, TrainConfig};
pub use objective::Objective;
pub use token_predictor::TokenPredictor;
pub use trainer::{TrainOptions, TrainSummary, train};
pub use unmask_schedule::Maskable;
