//! A pretrained checkpoint without an MLM head (all-MiniLM-L6-v2 is one) gets a fresh head
//! at the start of training; the run's seed fixes it, as it fixes a scratch model's weights.

use std::path::{Path, PathBuf};

use burn::backend::{Autodiff, Flex};
use unmask_nn::tensor_file::{read_tensors, write_safetensors};
use unmask_train::{TrainConfig, TrainOptions, train};

type B = Autodiff<Flex>;

/// The tiny RoBERTa fixture with its `lm_head.*` tensors removed.
fn headless_checkpoint(dir: &Path) -> PathBuf {
    let out = unmask_test_data::tiny_roberta_copy(&dir.join("headless"));
    let mut tensors = read_tensors(&out.join("model.safetensors")).unwrap();
    tensors.retain(|name, _| !name.starts_with("lm_head"));
    write_safetensors(&out.join("model.safetensors"), &tensors).unwrap();
    out
}

fn step0_validation(checkpoint: &Path, corpus: &Path, out: &Path, seed: u64) -> f64 {
    let config = TrainConfig::from_toml(&format!(
        r#"
[model]
init = "pretrained"
source = "{checkpoint}"

[data]
corpus = "{corpus}"
block_len = 24
prompt_len = 0

[optim]
batch_size = 4

[run]
steps = 1
seed = {seed}
out_dir = "{out}"
eval_every = 1
eval_batches = 2
checkpoint_every = 0
"#,
        checkpoint = checkpoint.display(),
        corpus = corpus.display(),
        out = out.display(),
    ))
    .unwrap();
    let options = TrainOptions {
        quiet: true,
        ..Default::default()
    };
    let summary = train::<B>(&config, &Default::default(), &options).unwrap();
    assert_eq!(summary.validation[0].0, 0);
    summary.validation[0].1
}

#[test]
fn the_seed_fixes_a_fresh_head() {
    let tmp = tempfile::tempdir().unwrap();
    let checkpoint = headless_checkpoint(tmp.path());
    let corpus = unmask_test_data::synthetic_corpus(tmp.path(), 20, 200);
    let run =
        |name: &str, seed| step0_validation(&checkpoint, &corpus, &tmp.path().join(name), seed);
    let (first, again, other) = (run("a", 1), run("b", 1), run("c", 2));
    assert_eq!(first, again, "same seed, same fresh head, same step-0 loss");
    assert_ne!(first, other, "another seed draws another head");
}
