//! End to end: a tiny model trained on real text for a few dozen steps on CPU; the
//! validation loss falls, for BERT's fixed 15% and for the linear diffusion schedule.

mod common;

use burn::backend::{Autodiff, Flex};
use unmask_train::{TrainOptions, train};

type B = Autodiff<Flex>;

/// From a zero decoder bias (transformers' init): the loss falls from ln(vocab) as the model
/// learns the corpus. With the default log-unigram bias a model this small starts near where
/// 40 steps would take it (see `fresh_unigram_head_starts_at_the_unigram_loss`).
fn loss_falls(schedule: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::small_corpus(tmp.path(), 24);
    let mut config = common::tiny_config(&corpus, &tmp.path().join("run"), schedule, 40);
    let unmask_train::config::ModelSection::Scratch { head_bias, .. } = &mut config.model else {
        unreachable!("the tiny config trains from scratch")
    };
    *head_bias = unmask_train::config::HeadBias::Zero;
    let options = TrainOptions {
        quiet: true,
        ..Default::default()
    };
    let summary = train::<B>(&config, &Default::default(), &options).expect("trains");
    let (first, last) = (
        summary.validation.first().unwrap(),
        summary.validation.last().unwrap(),
    );
    eprintln!(
        "{schedule}: validation loss {:.4} at step {} -> {:.4} at step {}",
        first.1, first.0, last.1, last.0
    );
    assert_eq!(first.0, 0);
    assert_eq!(last.0, 40);
    assert!(
        last.1 < first.1 - 0.5,
        "{schedule}: validation loss did not fall: {first:?} -> {last:?}"
    );
    let final_dir = summary.final_dir.expect("final model");
    assert!(final_dir.join("model.safetensors").is_file());
    assert!(final_dir.join("tokenizer.json").is_file());
    let csv = std::fs::read_to_string(tmp.path().join("run/metrics.csv")).unwrap();
    assert!(csv.starts_with("step,split,loss,accuracy,lr,tokens_per_s"));
    assert!(csv.lines().filter(|l| l.contains(",validation,")).count() >= 5);
}

#[test]
fn validation_loss_falls_with_bert_fixed_rate() {
    loss_falls("fixed:0.15");
}

#[test]
fn validation_loss_falls_with_linear_diffusion() {
    loss_falls("linear");
}

/// The autoregressive baseline through the same loop: `architecture = "gpt2"`.
#[test]
fn validation_loss_falls_for_a_gpt2_trained_from_scratch() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::small_corpus(tmp.path(), 24);
    let mut config = common::tiny_config(&corpus, &tmp.path().join("run"), "linear", 40);
    let unmask_train::config::ModelSection::Scratch { architecture, .. } = &mut config.model else {
        unreachable!("the tiny config trains from scratch")
    };
    *architecture = unmask_train::Architecture::Gpt2;
    let options = TrainOptions {
        quiet: true,
        ..Default::default()
    };
    let summary = train::<B>(&config, &Default::default(), &options).expect("trains");
    let (first, last) = (
        summary.validation.first().unwrap(),
        summary.validation.last().unwrap(),
    );
    eprintln!("gpt2: validation loss {:.4} -> {:.4}", first.1, last.1);
    assert!(
        last.1 < first.1 - 0.5,
        "gpt2: validation loss did not fall: {first:?} -> {last:?}"
    );
    // The final model is a GPT2LMHeadModel directory that unmask-gpt2 loads.
    let final_dir = summary.final_dir.expect("final model");
    let (model, _) =
        unmask_gpt2::load_gpt2::<Flex>(&final_dir, &Default::default()).expect("loads");
    assert_eq!(model.config().n_embd, 32);
    assert!(final_dir.join("tokenizer.json").is_file());
}

/// The default fresh head starts at the unigram loss: far below ln(vocab), and no worse than
/// the zero-bias model reaches after 40 steps.
#[test]
fn fresh_unigram_head_starts_at_the_unigram_loss() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::small_corpus(tmp.path(), 24);
    let mut first_losses = Vec::new();
    for bias in [
        unmask_train::config::HeadBias::Unigram,
        unmask_train::config::HeadBias::Zero,
    ] {
        let mut config =
            common::tiny_config(&corpus, &tmp.path().join(format!("{bias:?}")), "linear", 40);
        let unmask_train::config::ModelSection::Scratch { head_bias, .. } = &mut config.model
        else {
            unreachable!("the tiny config trains from scratch")
        };
        *head_bias = bias;
        let options = TrainOptions {
            quiet: true,
            ..Default::default()
        };
        let summary = train::<B>(&config, &Default::default(), &options).expect("trains");
        first_losses.push((
            summary.validation.first().unwrap().1,
            summary.validation.last().unwrap().1,
        ));
    }
    let (unigram_start, _) = first_losses[0];
    let (zero_start, zero_end) = first_losses[1];
    eprintln!(
        "unigram bias starts at {unigram_start:.4}; zero bias {zero_start:.4} -> {zero_end:.4}"
    );
    assert!(
        (zero_start - 300f64.ln()).abs() < 0.3,
        "zero bias starts near ln(300)"
    );
    assert!(unigram_start < zero_start - 1.0);
    assert!(unigram_start < zero_end + 0.1);
}

fn modernbert_run(causal: bool) -> (tempfile::TempDir, unmask_train::TrainSummary) {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::small_corpus(tmp.path(), 24);
    let mut config = common::tiny_config(&corpus, &tmp.path().join("run"), "linear", 40);
    let unmask_train::config::ModelSection::Scratch {
        architecture,
        causal: causal_switch,
        head_bias,
        ..
    } = &mut config.model
    else {
        unreachable!("the tiny config trains from scratch")
    };
    *architecture = unmask_train::Architecture::ModernBert;
    *causal_switch = causal;
    *head_bias = unmask_train::config::HeadBias::Zero;
    config.run.snapshot_every = 20;
    let options = TrainOptions {
        quiet: true,
        ..Default::default()
    };
    let summary = train::<B>(&config, &Default::default(), &options).expect("trains");
    (tmp, summary)
}

/// The modern backbone through the same loop, as a masked diffusion model and, with
/// `causal = true`, as the AR baseline; both save a Hugging Face ModernBERT directory.
#[test]
fn validation_loss_falls_for_modernbert_masked_and_causal() {
    for causal in [false, true] {
        let (tmp, summary) = modernbert_run(causal);
        let (first, last) = (
            summary.validation.first().unwrap(),
            summary.validation.last().unwrap(),
        );
        eprintln!(
            "modernbert causal={causal}: validation loss {:.4} -> {:.4}",
            first.1, last.1
        );
        assert!(
            last.1 < first.1 - 0.5,
            "causal={causal}: validation loss did not fall: {first:?} -> {last:?}"
        );
        let final_dir = summary.final_dir.expect("final model");
        let (model, _) =
            unmask_modernbert::load_modernbert::<Flex>(&final_dir, &Default::default()).unwrap();
        assert_eq!(model.config().causal, causal);
        let snapshot = unmask_train::trainer::snapshot_dir(&tmp.path().join("run"), 20);
        assert!(
            snapshot.join("model.safetensors").is_file(),
            "{}",
            snapshot.display()
        );
        assert!(snapshot.join("tokenizer.json").is_file());
        assert!(!unmask_train::trainer::snapshot_dir(&tmp.path().join("run"), 40).exists());
    }
}
