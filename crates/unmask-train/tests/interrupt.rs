//! Stopping a run with `TrainOptions::interrupt` (what `unmask train` sets on Ctrl-C)
//! checkpoints the step reached, and `--resume` continues to the uninterrupted run's
//! weights bit for bit; `run.keep_checkpoints` keeps that many checkpoints.
//!
//! One test in its own binary: burn's CPU backend keeps one global RNG.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use burn::backend::{Autodiff, Flex};
use unmask_train::state::{kept_checkpoint_dir, kept_steps, saved_step};
use unmask_train::{TrainOptions, train};

type B = Autodiff<Flex>;

#[test]
fn interrupt_checkpoints_and_resume_continues_and_old_checkpoints_are_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::small_corpus(tmp.path(), 20);
    let device = Default::default();
    let quiet = TrainOptions {
        quiet: true,
        ..Default::default()
    };
    let straight_dir = tmp.path().join("straight");
    let mut straight = common::tiny_config(&corpus, &straight_dir, "linear", 20);
    straight.run.checkpoint_every = 5;
    straight.run.keep_checkpoints = 3;
    train::<B>(&straight, &device, &quiet).unwrap();
    // keep_checkpoints = 3 with checkpoints at 5, 10, 15, 20: the newest three are kept.
    assert_eq!(saved_step(&straight_dir).unwrap(), Some(20));
    assert_eq!(kept_steps(&straight_dir).unwrap(), [15, 10]);
    assert!(
        kept_checkpoint_dir(&straight_dir, 15)
            .join("state.json")
            .is_file()
    );
    assert!(!kept_checkpoint_dir(&straight_dir, 5).exists());
    let a = std::fs::read(straight_dir.join("final/model.safetensors")).unwrap();

    // The flag is checked after every optimizer step: set before the run, it stops after
    // step 1 (not a checkpoint step) with a checkpoint of step 1.
    let killed_dir = tmp.path().join("interrupted");
    let mut killed = common::tiny_config(&corpus, &killed_dir, "linear", 20);
    killed.run.checkpoint_every = 5;
    let interrupt = Arc::new(AtomicBool::new(true));
    let stopped = train::<B>(
        &killed,
        &device,
        &TrainOptions {
            interrupt: interrupt.clone(),
            ..quiet.clone()
        },
    )
    .unwrap();
    assert!(stopped.interrupted);
    assert_eq!(stopped.steps_done, 1);
    assert!(stopped.final_dir.is_none());
    assert_eq!(saved_step(&killed_dir).unwrap(), Some(1));
    // keep_checkpoints defaults to 1: no older copies.
    assert!(kept_steps(&killed_dir).unwrap().is_empty());

    interrupt.store(false, Ordering::SeqCst);
    let resumed = train::<B>(
        &killed,
        &device,
        &TrainOptions {
            resume: true,
            interrupt,
            ..quiet.clone()
        },
    )
    .unwrap();
    assert!(!resumed.interrupted);
    assert_eq!(resumed.steps_done, 20);
    let b = std::fs::read(killed_dir.join("final/model.safetensors")).unwrap();
    assert!(
        a == b,
        "interrupted and resumed weights differ from the uninterrupted run"
    );
}
