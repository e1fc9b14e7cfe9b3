//! metrics.csv's grad_norm is the gradient's global norm whether or not it is clipped: with
//! `optim.grad_clip = 0` (no clipping) it used to be logged as 0.

mod common;

use burn::backend::{Autodiff, Flex};
use unmask_train::{TrainOptions, train};

type B = Autodiff<Flex>;

/// grad_norm of every train row of a run's metrics.csv.
fn train_grad_norms(csv: &str) -> Vec<f64> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let split = header.iter().position(|c| *c == "split").unwrap();
    let norm = header.iter().position(|c| *c == "grad_norm").unwrap();
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|row| row[split] == "train")
        .map(|row| row[norm].parse().unwrap())
        .collect()
}

#[test]
fn grad_norm_is_logged_with_and_without_clipping() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::small_corpus(tmp.path(), 20);
    let options = TrainOptions {
        quiet: true,
        ..Default::default()
    };
    for clip in [0.0, 1.0] {
        let run = tmp.path().join(format!("clip-{clip}"));
        let mut config = common::tiny_config(&corpus, &run, "linear", 12);
        config.optim.grad_clip = clip;
        train::<B>(&config, &Default::default(), &options).unwrap();
        let norms = train_grad_norms(&std::fs::read_to_string(run.join("metrics.csv")).unwrap());
        assert_eq!(norms.len(), 3, "rows at steps 5, 10, 12: {norms:?}");
        assert!(
            norms.iter().all(|n| n.is_finite() && *n > 0.0),
            "grad_clip = {clip}: {norms:?}"
        );
    }
}
