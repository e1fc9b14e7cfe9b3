//! Building blocks shared by unmask's models (the BERT/RoBERTa masked LM and GPT-2): dropout,
//! activations, reading and writing weight files, the error type of weight files and configs,
//! and training's random streams.

pub mod activation;
pub mod dropout;
pub mod error;
pub mod hf_params;
pub mod host;
pub mod layer_cache;
pub mod rng;
pub mod tensor_file;

pub use activation::{Activation, ActivationKind};
pub use dropout::Dropout;
pub use error::ModelError;
pub use host::runs_on_host;
pub use layer_cache::{ContextCache, LayerCache};
