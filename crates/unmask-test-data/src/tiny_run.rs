//! The tiny training run the tests train: 2 layers, hidden 32, a 300-token byte-level BPE
//! trained on the corpus, as the TOML `unmask train --config` reads. One copy: each test
//! sets what its run needs (block length, cadence, schedule) and keeps the rest.

use std::path::Path;

/// The settings the tests vary; [`TinyRun::new`] gives the common ones.
#[derive(Debug, Clone)]
pub struct TinyRun {
    pub dropout: f64,
    pub block_len: usize,
    pub schedule: String,
    pub warmup_steps: usize,
    /// `linear`, `cosine` or `constant`.
    pub decay: String,
    pub batch_size: usize,
    pub steps: usize,
    pub log_every: usize,
    pub eval_every: usize,
    pub eval_batches: usize,
    pub checkpoint_every: usize,
}

impl TinyRun {
    /// `steps` steps of the `linear` schedule on blocks of 32 tokens, no dropout, batches of
    /// 8, no warmup, linear decay; a train row every 10 steps, validation (one batch) and a
    /// checkpoint only at the end.
    pub fn new(steps: usize) -> Self {
        Self {
            dropout: 0.0,
            block_len: 32,
            schedule: "linear".into(),
            warmup_steps: 0,
            decay: "linear".into(),
            batch_size: 8,
            steps,
            log_every: 10,
            eval_every: 0,
            eval_batches: 1,
            checkpoint_every: 0,
        }
    }

    /// The config training on `corpus` into `out_dir`.
    pub fn toml(&self, corpus: &Path, out_dir: &Path) -> String {
        format!(
            r#"
[model]
init = "scratch"
hidden_size = 32
num_layers = 2
num_heads = 2
intermediate_size = 64
dropout = {dropout:?}

[tokenizer]
source = "train"
vocab_size = 300

[data]
corpus = "{corpus}"
block_len = {block_len}
prompt_len = 4

[schedule]
name = "{schedule}"
weighting = "uniform"

[optim]
lr = 3e-3
warmup_steps = {warmup_steps}
decay = "{decay}"
batch_size = {batch_size}

[run]
steps = {steps}
out_dir = "{out}"
log_every = {log_every}
eval_every = {eval_every}
eval_batches = {eval_batches}
checkpoint_every = {checkpoint_every}
"#,
            dropout = self.dropout,
            corpus = corpus.display(),
            block_len = self.block_len,
            schedule = self.schedule,
            warmup_steps = self.warmup_steps,
            decay = self.decay,
            batch_size = self.batch_size,
            steps = self.steps,
            out = out_dir.display(),
            log_every = self.log_every,
            eval_every = self.eval_every,
            eval_batches = self.eval_batches,
            checkpoint_every = self.checkpoint_every,
        )
    }
}
