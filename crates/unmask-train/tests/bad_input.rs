//! Bad input to `unmask train` (config files, corpora, schedules, values) is an error
//! that names the problem, never a panic; every shipped preset is valid.

mod common;

use std::path::Path;

use burn::backend::{Autodiff, Flex};
use unmask_test_data::TinyRun;
use unmask_train::config::PRESETS;
use unmask_train::{TrainConfig, TrainOptions, train};

type B = Autodiff<Flex>;

/// A valid tiny config in TOML, with `[data] corpus` and `[run] out_dir` filled in.
fn tiny_toml(corpus: &Path, out_dir: &Path) -> String {
    TinyRun {
        batch_size: 4,
        ..TinyRun::new(4)
    }
    .toml(corpus, out_dir)
}

fn parse(text: &str) -> TrainConfig {
    TrainConfig::from_toml(text).unwrap_or_else(|e| panic!("the test config is valid: {e}\n{text}"))
}

/// `train` must fail; its full error chain.
fn train_error(config: &TrainConfig) -> String {
    let options = TrainOptions {
        quiet: true,
        ..Default::default()
    };
    match train::<B>(config, &Default::default(), &options) {
        Ok(summary) => panic!("training should fail but ran {} steps", summary.steps_done),
        Err(err) => {
            let message = format!("{err:#}");
            eprintln!("train error: {message}");
            message
        }
    }
}

/// `from_toml` must fail; its message.
fn toml_error(text: &str) -> String {
    match TrainConfig::from_toml(text) {
        Ok(config) => panic!("the config should be rejected: {config:?}"),
        Err(err) => {
            eprintln!("config error: {err}");
            err
        }
    }
}

fn assert_mentions(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(
            message.contains(part),
            "the error should mention {part:?}: {message}"
        );
    }
}

// ---- corpora ----

#[test]
fn missing_corpus_path_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no/such/corpus");
    let err = train_error(&parse(&tiny_toml(&missing, &tmp.path().join("run"))));
    assert_mentions(&err, &["no/such/corpus", "does not exist"]);
}

#[test]
fn corpus_of_empty_files_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("blank");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::write(corpus.join("a.txt"), "").unwrap();
    std::fs::write(corpus.join("b.txt"), "  \n\t\n   \n").unwrap();
    let err = train_error(&parse(&tiny_toml(&corpus, &tmp.path().join("run"))));
    assert_mentions(&err, &["empty", "blank"]);
}

#[test]
fn corpus_too_small_for_one_validation_block_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    // 20 documents of 4 words: the validation split is one document, fewer than 32 tokens.
    let corpus = unmask_test_data::synthetic_corpus(tmp.path(), 20, 4);
    let err = train_error(&parse(&tiny_toml(&corpus, &tmp.path().join("run"))));
    assert_mentions(
        &err,
        &["validation", "fewer than one block of 32", "block_len"],
    );
}

#[test]
fn corpus_without_a_validation_document_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    // Fewer than 19 documents: the 90/5/5 split leaves validation empty.
    let corpus = unmask_test_data::synthetic_corpus(tmp.path(), 10, 200);
    let err = train_error(&parse(&tiny_toml(&corpus, &tmp.path().join("run"))));
    assert_mentions(&err, &["validation", "no documents", "10"]);
}

// ---- schedules: checked before the corpus is read, so a missing corpus is not reached ----

/// The error of a config with this `[schedule]`: from the TOML (an unknown weighting or time
/// sampling) or from `train`.
fn schedule_error(name: &str, weighting: &str, time_sampling: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let text = tiny_toml(&tmp.path().join("not-read"), &tmp.path().join("run")).replacen(
        "name = \"linear\"\nweighting = \"uniform\"",
        &format!(
            "name = \"{name}\"\nweighting = \"{weighting}\"\ntime_sampling = \"{time_sampling}\""
        ),
        1,
    );
    let err = match TrainConfig::from_toml(&text) {
        Ok(config) => train_error(&config),
        Err(err) => err,
    };
    assert!(
        !err.contains("not-read"),
        "the schedule should be checked before the corpus: {err}"
    );
    err
}

#[test]
fn unknown_schedule_lists_the_known_ones() {
    let err = schedule_error("bogus", "uniform", "iid");
    assert_mentions(
        &err,
        &[
            "bogus",
            "fixed",
            "levels",
            "linear",
            "loglinear",
            "cosine",
            "spindle",
        ],
    );
}

#[test]
fn schedule_parameters_out_of_range_are_errors() {
    for (spec, value) in [
        ("fixed:1.5", "1.5"),
        ("levels:0", "0"),
        ("loglinear:0.9", "0.9"),
    ] {
        let err = schedule_error(spec, "uniform", "iid");
        let name = spec.split(':').next().unwrap();
        assert_mentions(&err, &[name, value, "invalid"]);
    }
}

#[test]
fn elbo_weighting_of_a_fixed_rate_is_an_error() {
    let err = schedule_error("fixed:0.15", "elbo", "iid");
    assert_mentions(&err, &["fixed:0.15", "ELBO", "uniform"]);
}

#[test]
fn elbo_weighting_of_spindle_is_an_error() {
    // Spindle's per-token rates have no scalar ELBO weight; refused before the corpus.
    let err = schedule_error("spindle:0.3", "elbo", "iid");
    assert_mentions(&err, &["spindle:0.3", "ELBO", "per-token", "uniform"]);
}

#[test]
fn spindle_parameters_are_checked_before_the_corpus() {
    let err = schedule_error("spindle:1.5", "uniform", "iid");
    assert_mentions(&err, &["spindle", "1.5", "invalid"]);
}

#[test]
fn unknown_weighting_and_time_sampling_are_errors() {
    assert_mentions(
        &schedule_error("linear", "elbow", "iid"),
        &["elbow", "uniform", "elbo"],
    );
    assert_mentions(
        &schedule_error("linear", "uniform", "stratified"),
        &["stratified", "iid", "antithetic"],
    );
}

// ---- the TOML file ----

fn valid_toml() -> String {
    tiny_toml(Path::new("corpus"), Path::new("run"))
}

#[test]
fn the_test_config_itself_is_valid() {
    let config = parse(&valid_toml());
    assert_eq!(config.run.steps, 4);
    assert_eq!(config.optim.batch_size, 4);
}

#[test]
fn misspelled_keys_are_rejected_by_name() {
    let cases = [
        ("lr = 3e-3", "learning_rate = 1e-3", "learning_rate"),
        ("steps = 4", "step = 10", "step"),
        (
            "hidden_size = 32",
            "hidden_size = 32\nhiden_size = 32",
            "hiden_size",
        ),
        ("block_len = 32", "block_length = 32", "block_length"),
        (
            "weighting = \"uniform\"",
            "weigting = \"uniform\"",
            "weigting",
        ),
        ("vocab_size = 300", "vocab = 300", "vocab"),
    ];
    for (from, to, key) in cases {
        let text = valid_toml().replacen(from, to, 1);
        assert_ne!(text, valid_toml(), "{from} is in the test config");
        let err = toml_error(&text);
        assert_mentions(&err, &[&format!("`{key}`")]);
    }
}

#[test]
fn unknown_section_is_rejected_by_name() {
    let err = toml_error(&(valid_toml() + "\n[optimizer]\nlr = 1e-3\n"));
    assert_mentions(&err, &["`optimizer`"]);
}

#[test]
fn unknown_model_init_is_an_error() {
    let err = toml_error(&valid_toml().replacen("init = \"scratch\"", "init = \"random\"", 1));
    assert_mentions(&err, &["random", "scratch", "pretrained"]);
}

#[test]
fn toml_syntax_error_names_the_line() {
    let text = valid_toml().replacen("[optim]", "[optim", 1);
    let line = text.lines().position(|l| l == "[optim").unwrap() + 1;
    let err = toml_error(&text);
    assert_mentions(&err, &[&format!("line {line}")]);
}

#[test]
fn missing_required_key_is_named() {
    let err = toml_error(&valid_toml().replacen("steps = 4", "", 1));
    assert_mentions(&err, &["`steps`"]);
}

#[test]
fn wrong_value_type_is_an_error() {
    let err = toml_error(&valid_toml().replacen("batch_size = 4", "batch_size = \"four\"", 1));
    assert_mentions(&err, &["batch_size"]);
}

#[test]
fn out_of_range_values_are_rejected_by_name() {
    let cases = [
        ("batch_size = 4", "batch_size = 0", "optim.batch_size"),
        ("steps = 4", "steps = 0", "run.steps"),
        ("prompt_len = 4", "prompt_len = 32", "data.prompt_len"),
        ("prompt_len = 4", "prompt_len = 40", "data.prompt_len"),
        ("block_len = 32", "block_len = 4", "data.block_len"),
        (
            "hidden_size = 32",
            "hidden_size = 33",
            "model.hidden_size 33",
        ),
        ("num_heads = 2", "num_heads = 0", "model.num_heads 0"),
        ("dropout = 0.0", "dropout = 1.5", "model.dropout"),
        ("lr = 3e-3", "lr = -1.0", "optim.lr"),
        ("lr = 3e-3", "lr = 0.0", "optim.lr"),
        ("lr = 3e-3", "lr = nan", "optim.lr"),
        ("lr = 3e-3", "lr = 3e-3\nbeta1 = 1.0", "beta1"),
    ];
    for (from, to, name) in cases {
        let text = valid_toml().replacen(from, to, 1);
        assert_ne!(text, valid_toml(), "{from} is in the test config");
        let err = toml_error(&text);
        assert_mentions(&err, &[name]);
    }
}

#[test]
fn train_validates_a_config_built_in_code() {
    let tmp = tempfile::tempdir().unwrap();
    let mut config = parse(&tiny_toml(
        &tmp.path().join("corpus"),
        &tmp.path().join("run"),
    ));
    config.optim.batch_size = 0;
    assert_mentions(&train_error(&config), &["optim.batch_size"]);
}

#[test]
fn config_file_errors_name_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("missing.toml");
    let err = TrainConfig::from_file(&missing).unwrap_err();
    assert_mentions(&err, &["missing.toml"]);
    let typo = tmp.path().join("typo.toml");
    std::fs::write(
        &typo,
        valid_toml().replacen("lr = 3e-3", "learning_rate = 1e-3", 1),
    )
    .unwrap();
    let err = TrainConfig::from_file(&typo).unwrap_err();
    assert_mentions(&err, &["typo.toml", "`learning_rate`"]);
}

// ---- presets ----

#[test]
fn every_preset_parses_validates_and_round_trips() {
    assert!(!PRESETS.is_empty());
    for (name, _) in PRESETS {
        let config = TrainConfig::preset(name).unwrap_or_else(|e| panic!("preset {name}: {e}"));
        config.validate().unwrap();
        let again = TrainConfig::from_toml(&config.to_toml()).unwrap();
        assert_eq!(
            again, config,
            "preset {name} does not survive to_toml/from_toml"
        );
    }
}

#[test]
fn unknown_preset_lists_the_presets() {
    let err = TrainConfig::preset("nosuch").unwrap_err();
    let mut parts = vec!["nosuch"];
    parts.extend(PRESETS.iter().map(|(n, _)| *n));
    assert_mentions(&err, &parts);
}

// ---- divergence ----

/// A huge learning rate drives the weights to overflow within a few steps; the loop stops
/// with an error naming the checkpoint directory and writes no final model.
#[test]
fn diverging_loss_stops_with_an_error_and_no_final_model() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::small_corpus(tmp.path(), 20);
    let run = tmp.path().join("run");
    let mut config = common::tiny_config(&corpus, &run, "linear", 30);
    config.optim.lr = 1e30;
    config.optim.warmup_steps = 0;
    config.optim.grad_clip = 0.0;
    let err = train_error(&config);
    assert!(err.contains("NaN") || err.contains("inf"), "{err}");
    assert_mentions(
        &err,
        &[
            "training loss",
            &run.join("checkpoint").display().to_string(),
            "optim.lr",
        ],
    );
    assert!(
        !run.join("final").exists(),
        "a diverged run must not write a final model"
    );
}

/// The second update overflows the weights (warmup from 0 to a huge rate) and checkpoints
/// are due every step: the checkpoint left is step 1's, whose weights still give a finite
/// loss, not step 2's, and resuming it (to step 1) saves a usable model.
#[test]
fn the_checkpoint_left_by_a_diverged_run_is_the_last_good_one() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::small_corpus(tmp.path(), 20);
    let run = tmp.path().join("run");
    let mut config = common::tiny_config(&corpus, &run, "linear", 30);
    config.optim.lr = 1e30;
    config.optim.warmup_steps = 2;
    config.optim.grad_clip = 0.0;
    config.run.checkpoint_every = 1;
    let err = train_error(&config);
    assert_mentions(&err, &["training loss", "at step 3", "(step 1)"]);
    let state = std::fs::read_to_string(run.join("checkpoint/state.json")).unwrap();
    assert!(state.contains("\"step\": 1,"), "{state}");

    config.run.steps = 1;
    let summary = train::<B>(
        &config,
        &Default::default(),
        &TrainOptions {
            resume: true,
            quiet: true,
            ..Default::default()
        },
    )
    .expect("the kept checkpoint holds a model with a finite loss");
    assert!(summary.validation.iter().all(|(_, loss)| loss.is_finite()));
    assert!(run.join("final/model.safetensors").is_file());
}

/// The last step's update overflows the weights: its training loss (computed before the
/// update) is finite, its validation loss is not. The run fails naming the step instead of
/// exiting 0 with a model that outputs only NaN.
#[test]
fn a_nan_validation_loss_at_the_last_step_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::small_corpus(tmp.path(), 20);
    let run = tmp.path().join("run");
    let mut config = common::tiny_config(&corpus, &run, "linear", 1);
    config.optim.lr = 1e30;
    config.optim.warmup_steps = 0;
    config.optim.grad_clip = 0.0;
    config.optim.decay = unmask_train::lr::Decay::Constant;
    let err = train_error(&config);
    assert_mentions(
        &err,
        &[
            "validation loss",
            "at step 1",
            &run.join("checkpoint").display().to_string(),
        ],
    );
    assert!(
        !run.join("final").exists(),
        "a model with a NaN validation loss must not be saved as final"
    );
    assert!(
        !run.join("checkpoint").exists(),
        "a model with a NaN validation loss must not be checkpointed"
    );
}

/// A run directory whose name is not UTF-8 cannot be recorded in config.toml: a clear error
/// before anything is created, not a panic.
#[cfg(unix)]
#[test]
fn a_non_utf8_out_dir_is_refused_before_anything_is_created() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::small_corpus(tmp.path(), 20);
    let run = tmp.path().join(std::ffi::OsStr::from_bytes(b"bad\xffdir"));
    let mut config = common::tiny_config(&corpus, &tmp.path().join("run"), "linear", 2);
    config.run.out_dir = run.clone();
    let err = train_error(&config);
    assert_mentions(&err, &["run.out_dir", "UTF-8"]);
    assert!(!run.exists(), "the refused run created {}", run.display());
}
