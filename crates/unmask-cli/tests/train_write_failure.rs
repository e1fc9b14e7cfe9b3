//! A checkpoint that cannot be written (a full disk; here a file-size limit, which fails the
//! same write calls): `unmask train` exits non-zero naming the file it could not write, says
//! it once, and leaves no half-written `checkpoint.tmp/` behind.

#![cfg(unix)]

use std::path::Path;
use std::process::Command;

fn config(corpus: &Path, out_dir: &Path) -> String {
    // ~0.3 M parameters: model.bin (~1.2 MB) is over the limit below, the token cache, the
    // tokenizer and the config are far under it.
    format!(
        r#"
[model]
init = "scratch"
hidden_size = 128
num_layers = 2
num_heads = 2
intermediate_size = 256
dropout = 0.0

[tokenizer]
source = "train"
vocab_size = 300

[data]
corpus = "{corpus}"
block_len = 32
prompt_len = 0

[optim]
lr = 1e-3
batch_size = 4

[run]
steps = 4
out_dir = "{out}"
log_every = 1
eval_every = 0
eval_batches = 1
checkpoint_every = 2
"#,
        corpus = corpus.display(),
        out = out_dir.display(),
    )
}

#[test]
fn a_checkpoint_that_cannot_be_written_is_named_and_leaves_nothing_half_written() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let config_file = dir.path().join("run.toml");
    let corpus = unmask_test_data::synthetic_corpus(dir.path(), 20, 200);
    std::fs::write(&config_file, config(&corpus, &run)).unwrap();
    // `ulimit -f 512`: no file over 512 KiB; with SIGXFSZ ignored (inherited through exec) a
    // longer write fails with EFBIG instead of killing the process.
    let output = Command::new("sh")
        .arg("-c")
        .arg("ulimit -f 512 && trap '' XFSZ && exec \"$0\" train --config \"$1\" --quiet")
        .arg(env!("CARGO_BIN_EXE_unmask"))
        .arg(&config_file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    let model_file = run.join("checkpoint.tmp").join("model.bin");
    let named = format!("cannot write {}", model_file.display());
    assert!(stderr.contains(&named), "no `{named}` in: {stderr}");
    assert_eq!(
        stderr.matches("File too large").count(),
        1,
        "the cause said once: {stderr}"
    );
    assert!(!run.join("checkpoint.tmp").exists(), "{stderr}");
    assert!(!run.join("checkpoint").exists(), "{stderr}");
    assert!(run.join("config.toml").is_file(), "the run itself is kept");
}
