//! The `unmask` command line, as a library so its tests reach its pieces; what the experiments
//! and benchmarks share with it is in `unmask-runtime`.

pub mod decoding;
pub mod eval;
pub mod fill_mask;
pub mod generate;
pub mod interrupt;
pub mod tokenizer_cmd;
pub mod train_cmd;
