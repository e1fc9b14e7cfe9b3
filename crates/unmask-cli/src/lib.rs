//! The `unmask` command line, as a library so tests and benchmarks reach its pieces.

pub mod denoiser;
pub mod device;
pub mod fill_mask;
pub mod generate;
pub mod interrupt;
pub mod source;
pub mod tokenizer_cmd;
pub mod train_cmd;
