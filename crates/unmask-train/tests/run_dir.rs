//! A run directory cannot be corrupted by the next command: a new run never lands on an
//! existing run, `--resume` refuses a config the checkpoint was not trained with (naming
//! every difference) and leaves the run's config.toml alone when it refuses, and two
//! trainings never share a directory.

mod common;

use std::path::Path;

use burn::backend::{Autodiff, Flex};
use unmask_train::config::ModelSection;
use unmask_train::{TrainConfig, TrainOptions, train};

type B = Autodiff<Flex>;

fn options(resume: bool) -> TrainOptions {
    TrainOptions {
        quiet: true,
        resume,
        ..Default::default()
    }
}

fn train_error(config: &TrainConfig, resume: bool) -> String {
    match train::<B>(config, &Default::default(), &options(resume)) {
        Ok(_) => panic!("the run should have been refused"),
        Err(e) => format!("{e:#}"),
    }
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Everything a finished run left, to check that a refused command changed nothing.
fn snapshot(run: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for rel in [
        "config.toml",
        "metrics.csv",
        "final/model.safetensors",
        "final/config.json",
        "tokenizer/tokenizer.json",
        "checkpoint/state.json",
    ] {
        files.push((rel.to_string(), read(&run.join(rel))));
    }
    files
}

#[test]
fn a_finished_run_is_never_overwritten_or_resumed_with_another_config() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::small_corpus(tmp.path(), 20);
    let run = tmp.path().join("run");
    let config = common::tiny_config(&corpus, &run, "linear", 6);
    train::<B>(&config, &Default::default(), &options(false)).unwrap();
    let before = snapshot(&run);

    // The same command again, without --resume: refused, nothing touched.
    let err = train_error(&config, false);
    for part in [
        run.display().to_string().as_str(),
        "already holds a run",
        "--resume",
        "--out-dir",
    ] {
        assert!(err.contains(part), "{part:?} missing from: {err}");
    }
    assert!(
        snapshot(&run) == before,
        "a refused new run changed the run"
    );

    // Another vocabulary (the old tokenizer/ would have been reused): refused too.
    let mut vocab = config.clone();
    vocab.tokenizer.vocab_size += 50;
    assert!(train_error(&vocab, false).contains("already holds a run"));

    // --resume with another model, learning rate and schedule: each difference named.
    let mut wider = config.clone();
    let ModelSection::Scratch { hidden_size, .. } = &mut wider.model else {
        panic!("a scratch config")
    };
    *hidden_size = 64;
    wider.optim.lr *= 10.0;
    wider.schedule.name = "cosine".into();
    let err = train_error(&wider, true);
    for part in [
        "model.hidden_size: 32 -> 64",
        "optim.lr: ",
        "schedule.name: \"linear\" -> \"cosine\"",
        "config.toml",
    ] {
        assert!(err.contains(part), "{part:?} missing from: {err}");
    }
    assert!(
        snapshot(&run) == before,
        "a refused resume changed the run (config.toml rewritten?)"
    );

    // Fewer steps than the checkpoint has done: nothing to resume to.
    let mut shorter = config.clone();
    shorter.run.steps = 5;
    let err = train_error(&shorter, true);
    assert!(err.contains("run.steps = 5"), "{err}");
    assert!(err.contains("checkpoint's step 6"), "{err}");
    assert!(snapshot(&run) == before, "a refused resume changed the run");

    // More steps and another logging cadence: the run goes on, and config.toml then says so.
    let mut longer = config.clone();
    longer.run.steps = 8;
    longer.run.log_every = 2;
    let summary = train::<B>(&longer, &Default::default(), &options(true)).unwrap();
    assert_eq!(summary.steps_done, 8);
    let saved = TrainConfig::from_file(&run.join("config.toml")).unwrap();
    assert_eq!(saved, longer);
}

#[test]
fn a_run_that_left_no_checkpoint_is_refused_without_suggesting_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("metrics.csv"), "step,split\n").unwrap();
    let corpus = tmp.path().join("corpus-never-read");
    let config = common::tiny_config(&corpus, &run, "linear", 4);
    let err = train_error(&config, false);
    assert!(err.contains("metrics.csv"), "{err}");
    assert!(err.contains("no checkpoint to resume"), "{err}");
    assert!(
        !run.join("config.toml").exists(),
        "a refused run wrote config.toml"
    );
}

/// A run that failed before it tokenized or trained anything (here: a corpus path with a
/// typo) left only its config.toml: the corrected command runs instead of being refused.
#[test]
fn a_run_that_failed_before_training_does_not_block_the_next() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let typo = common::tiny_config(&tmp.path().join("no-such-corpus"), &run, "linear", 2);
    let err = train_error(&typo, false);
    assert!(err.contains("no-such-corpus"), "{err}");
    let corpus = common::small_corpus(tmp.path(), 20);
    let fixed = common::tiny_config(&corpus, &run, "linear", 2);
    let summary = train::<B>(&fixed, &Default::default(), &options(false)).unwrap();
    assert_eq!(summary.steps_done, 2);
    assert_eq!(
        TrainConfig::from_file(&run.join("config.toml")).unwrap(),
        fixed
    );
}

/// A new run refused once its directory was accepted (an unknown schedule, a missing
/// corpus) leaves no directory behind; one that existed before keeps what it held.
#[test]
fn a_refused_run_removes_the_directory_it_created() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::small_corpus(tmp.path(), 20);
    let run = tmp.path().join("run");
    let unknown = common::tiny_config(&corpus, &run, "no-such-schedule", 2);
    let err = train_error(&unknown, false);
    assert!(err.contains("no-such-schedule"), "{err}");
    assert!(!run.exists(), "the refused run left {}", run.display());
    let missing = common::tiny_config(&tmp.path().join("no-such-corpus"), &run, "linear", 2);
    train_error(&missing, false);
    assert!(!run.exists(), "the refused run left {}", run.display());

    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("notes.txt"), b"mine").unwrap();
    train_error(&unknown, false);
    assert_eq!(read(&run.join("notes.txt")), b"mine");
}

#[test]
fn resume_never_creates_the_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("missing");
    let config = common::tiny_config(&tmp.path().join("corpus"), &run, "linear", 4);
    let err = train_error(&config, true);
    assert!(err.contains("no checkpoint"), "{err}");
    assert!(
        !run.exists(),
        "a refused --resume created {}",
        run.display()
    );
}

#[test]
fn a_directory_in_use_by_another_training_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("busy");
    let config = common::tiny_config(&tmp.path().join("corpus"), &run, "linear", 4);
    // Another training holds the directory (the lock a running `train` takes).
    std::fs::create_dir_all(&run).unwrap();
    let held = unmask_train::run_dir::lock(&run).unwrap();
    let err = train_error(&config, false);
    assert!(err.contains("another training"), "{err}");
    assert!(err.contains(&run.display().to_string()), "{err}");
    assert!(!run.join("config.toml").exists());
    // Released with the lock: the directory can be locked again.
    drop(held);
    unmask_train::run_dir::lock(&run).unwrap();
}

/// A finished 4-step run in `tmp/run` with its checkpoint, and its config.
fn finished_run(tmp: &Path) -> TrainConfig {
    let corpus = common::small_corpus(tmp, 20);
    let config = common::tiny_config(&corpus, &tmp.join("run"), "linear", 4);
    train::<B>(&config, &Default::default(), &options(false)).unwrap();
    config
}

/// A checkpoint directory without its state.json (the marker written last) is named as
/// incomplete, not reported as missing.
#[test]
fn resume_from_an_incomplete_checkpoint_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let config = finished_run(tmp.path());
    let checkpoint = tmp.path().join("run/checkpoint");
    std::fs::remove_file(checkpoint.join("state.json")).unwrap();
    let err = train_error(&config, true);
    assert!(err.contains(&checkpoint.display().to_string()), "{err}");
    assert!(
        err.contains("incomplete") && err.contains("state.json"),
        "{err}"
    );
}

/// A record file cut short (a full disk, an interrupted copy) is named with what to do, not
/// with burn's escaped error chain and its feature-flag advice.
#[test]
fn resume_from_a_truncated_checkpoint_record_names_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let config = finished_run(tmp.path());
    let model_file = tmp.path().join("run/checkpoint/model.bin");
    let length = std::fs::metadata(&model_file).unwrap().len();
    std::fs::File::options()
        .write(true)
        .open(&model_file)
        .unwrap()
        .set_len(length / 2)
        .unwrap();
    let err = train_error(&config, true);
    assert!(
        err.contains(&format!(
            "{} is not a readable checkpoint record",
            model_file.display()
        )),
        "{err}"
    );
    assert!(err.contains("cut short"), "{err}");
    assert!(
        !err.contains("feature") && !err.contains("Unknown("),
        "{err}"
    );
}
