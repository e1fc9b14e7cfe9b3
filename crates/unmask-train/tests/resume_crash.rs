//! Resuming after a run was killed at a bad moment reaches the uninterrupted run's weights
//! bit for bit, and its metrics.csv has every row once:
//! - killed after logging past its last checkpoint (the rows after it are logged again);
//! - killed between the two renames of a checkpoint (only checkpoint.old/ or
//!   checkpoint.tmp/ is left, possibly next to an incomplete copy).
//!
//! One test in its own binary: burn's CPU backend keeps one global RNG.

mod common;

use std::path::Path;

use burn::backend::{Autodiff, Flex};
use unmask_train::{TrainOptions, TrainSummary, train};

type B = Autodiff<Flex>;

fn run(corpus: &Path, dir: &Path, stop_after: Option<usize>, resume: bool) -> TrainSummary {
    let config = common::tiny_config(corpus, dir, "linear", 20);
    let options = TrainOptions {
        quiet: true,
        stop_after,
        resume,
        ..Default::default()
    };
    train::<B>(&config, &Default::default(), &options).unwrap()
}

fn weights(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("final/model.safetensors")).unwrap()
}

/// `(step, split, loss)` of every metrics.csv row (tokens/s differs from run to run).
fn metric_rows(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("metrics.csv"))
        .unwrap()
        .lines()
        .map(|l| l.split(',').take(3).collect::<Vec<_>>().join(","))
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

#[test]
fn resume_after_a_kill_at_a_bad_moment_matches_the_uninterrupted_run() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::small_corpus(tmp.path(), 20);
    let straight = tmp.path().join("straight");
    run(&corpus, &straight, None, false);
    let (a, rows) = (weights(&straight), metric_rows(&straight));
    assert!(rows.len() > 5, "{rows:?}");

    // (a) Killed at step 15, five steps after its last checkpoint (step 10): it had logged
    // the train row of step 15. The state on disk: the step-10 checkpoint, and metrics.csv
    // with rows up to step 15.
    let late = tmp.path().join("late");
    run(&corpus, &late, Some(10), false);
    copy_dir(&late.join("checkpoint"), &tmp.path().join("checkpoint-10"));
    run(&corpus, &late, Some(15), true);
    assert!(metric_rows(&late).iter().any(|r| r.starts_with("15,train")));
    std::fs::remove_dir_all(late.join("checkpoint")).unwrap();
    copy_dir(&tmp.path().join("checkpoint-10"), &late.join("checkpoint"));
    assert_eq!(run(&corpus, &late, None, true).steps_done, 20);
    assert!(weights(&late) == a, "(a) resumed weights differ");
    assert_eq!(metric_rows(&late), rows, "(a) metrics.csv rows");

    // (b) Killed between the renames of the step-10 checkpoint's successor: checkpoint/ was
    // renamed to checkpoint.old/ and the new checkpoint.tmp/ was not renamed yet.
    // Only checkpoint.old/ is left:
    let old_only = tmp.path().join("old-only");
    run(&corpus, &old_only, Some(10), false);
    std::fs::rename(old_only.join("checkpoint"), old_only.join("checkpoint.old")).unwrap();
    assert_eq!(run(&corpus, &old_only, None, true).steps_done, 20);
    assert!(weights(&old_only) == a, "(b) checkpoint.old resume differs");
    assert_eq!(metric_rows(&old_only), rows, "(b) metrics.csv rows");

    // A complete checkpoint.old/ next to an incomplete checkpoint.tmp/ (no state.json):
    let torn_tmp = tmp.path().join("torn-tmp");
    run(&corpus, &torn_tmp, Some(10), false);
    copy_dir(
        &torn_tmp.join("checkpoint"),
        &torn_tmp.join("checkpoint.tmp"),
    );
    std::fs::remove_file(torn_tmp.join("checkpoint.tmp/state.json")).unwrap();
    std::fs::rename(torn_tmp.join("checkpoint"), torn_tmp.join("checkpoint.old")).unwrap();
    assert_eq!(run(&corpus, &torn_tmp, None, true).steps_done, 20);
    assert!(
        weights(&torn_tmp) == a,
        "(b) torn checkpoint.tmp resume differs"
    );

    // Only a complete checkpoint.tmp/ (the old one already removed):
    let tmp_only = tmp.path().join("tmp-only");
    run(&corpus, &tmp_only, Some(10), false);
    std::fs::rename(tmp_only.join("checkpoint"), tmp_only.join("checkpoint.tmp")).unwrap();
    assert_eq!(run(&corpus, &tmp_only, None, true).steps_done, 20);
    assert!(weights(&tmp_only) == a, "(b) checkpoint.tmp resume differs");
}
