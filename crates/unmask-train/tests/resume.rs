//! A run killed after step k and resumed reaches exactly the weights of an uninterrupted run
//! at step 2k (same seed): model, AdamW state, data order, masks and dropout all resume.
//! Alone in its test binary because burn's CPU backend keeps one global RNG.

mod common;

use burn::backend::{Autodiff, Flex};
use unmask_train::{TrainOptions, train};

type B = Autodiff<Flex>;

#[test]
fn resumed_run_matches_uninterrupted_run_bit_for_bit() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::small_corpus(tmp.path(), 20);
    let device = Default::default();
    let quiet = TrainOptions {
        quiet: true,
        ..Default::default()
    };

    let straight = common::tiny_config(&corpus, &tmp.path().join("straight"), "linear", 20);
    train::<B>(&straight, &device, &quiet).unwrap();

    let killed = common::tiny_config(&corpus, &tmp.path().join("killed"), "linear", 20);
    let stopped = train::<B>(
        &killed,
        &device,
        &TrainOptions {
            stop_after: Some(10),
            ..quiet.clone()
        },
    )
    .unwrap();
    assert_eq!(stopped.steps_done, 10);
    assert!(stopped.final_dir.is_none());
    assert!(tmp.path().join("killed/checkpoint/state.json").is_file());
    let resumed = train::<B>(
        &killed,
        &device,
        &TrainOptions {
            resume: true,
            ..quiet.clone()
        },
    )
    .unwrap();
    assert_eq!(resumed.steps_done, 20);

    let a = std::fs::read(tmp.path().join("straight/final/model.safetensors")).unwrap();
    let b = std::fs::read(tmp.path().join("killed/final/model.safetensors")).unwrap();
    assert!(a == b, "resumed weights differ from the uninterrupted run");

    // Stopped inside a logging window (rows every 5 steps, stopped after 7): the resumed
    // run's rows equal the uninterrupted run's in everything but the speed column.
    let mid_window = common::tiny_config(&corpus, &tmp.path().join("mid-window"), "linear", 20);
    train::<B>(
        &mid_window,
        &device,
        &TrainOptions {
            stop_after: Some(7),
            ..quiet.clone()
        },
    )
    .unwrap();
    train::<B>(
        &mid_window,
        &device,
        &TrainOptions {
            resume: true,
            ..quiet.clone()
        },
    )
    .unwrap();
    let rows_without_speed = |run: &str| -> Vec<String> {
        let text = std::fs::read_to_string(tmp.path().join(run).join("metrics.csv")).unwrap();
        text.lines()
            .map(|line| {
                let mut fields: Vec<&str> = line.split(',').collect();
                fields.remove(5); // tokens_per_s
                fields.join(",")
            })
            .collect()
    };
    let straight_rows = rows_without_speed("straight");
    assert!(straight_rows.iter().any(|r| r.starts_with("10,train,")));
    assert_eq!(rows_without_speed("mid-window"), straight_rows);

    // And the check can fail: a different seed gives different weights.
    let mut other = common::tiny_config(&corpus, &tmp.path().join("other"), "linear", 20);
    other.run.seed += 1;
    train::<B>(&other, &device, &quiet).unwrap();
    let c = std::fs::read(tmp.path().join("other/final/model.safetensors")).unwrap();
    assert!(a != c);
}

#[test]
fn resume_without_a_checkpoint_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::small_corpus(tmp.path(), 3);
    let config = common::tiny_config(&corpus, &tmp.path().join("none"), "linear", 4);
    let err = train::<B>(
        &config,
        &Default::default(),
        &TrainOptions {
            resume: true,
            quiet: true,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("no checkpoint"), "{err:#}");
}
