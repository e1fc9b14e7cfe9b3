//! Building blocks shared by unmask's models (the BERT/RoBERTa masked LM and GPT-2): dropout,
//! activations, reading and writing weight files, and the error type of weight files and
//! configs.

pub mod activation;
pub mod dropout;
pub mod error;
pub mod tensor_file;

pub use activation::{Activation, ActivationKind};
pub use dropout::Dropout;
pub use error::ModelError;
