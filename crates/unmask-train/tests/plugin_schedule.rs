//! A noise schedule defined outside unmask's crates, registered by name and trained with:
//! the schedule registry is a plugin point.

mod common;

use burn::backend::{Autodiff, Flex};
use std::sync::atomic::{AtomicUsize, Ordering};
use unmask_schedule::{LossWeighting, MaskSchedule, ScheduleArgs, ScheduleError, ScheduleRegistry};

use unmask_train::{TrainOptions, train};

type B = Autodiff<Flex>;

/// Mask rate t^2: few masks for most of the time range.
#[derive(Debug)]
struct Quadratic;

impl MaskSchedule for Quadratic {
    fn name(&self) -> String {
        "quadratic".into()
    }
    fn mask_rate(&self, t: f64) -> f64 {
        t * t
    }
    fn alpha_derivative(&self, t: f64) -> f64 {
        -2.0 * t
    }
}

fn quadratic(_: &ScheduleArgs) -> Result<Box<dyn MaskSchedule>, ScheduleError> {
    Ok(Box::new(Quadratic))
}

#[test]
fn a_schedule_from_outside_the_crates_trains() {
    let mut registry = ScheduleRegistry::with_builtins();
    registry.register("quadratic", quadratic).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::small_corpus(tmp.path(), 20);
    let mut config = common::tiny_config(&corpus, &tmp.path().join("run"), "quadratic", 30);
    config.schedule.weighting = LossWeighting::Elbo;
    let options = TrainOptions {
        quiet: true,
        registry: Some(registry),
        ..Default::default()
    };
    let summary =
        train::<B>(&config, &Default::default(), &options).expect("trains with the plugin");
    let (first, last) = (
        summary.validation[0].1,
        summary.validation.last().unwrap().1,
    );
    assert!(last < first, "validation loss {first} -> {last}");
    let resolved = std::fs::read_to_string(tmp.path().join("run/config.toml")).unwrap();
    assert!(resolved.contains("quadratic"));

    // Without registering it, the same config (in a new directory: the first run's is
    // taken) is an error naming the schedule.
    config.run.out_dir = tmp.path().join("unregistered");
    let err = train::<B>(
        &config,
        &Default::default(),
        &TrainOptions {
            quiet: true,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(format!("{err:#}").contains("quadratic"), "{err:#}");
}

/// A schedule that reads corpus token counts: mask rate t^(1 + share of the most frequent
/// token), built only from real counts.
fn frequency_scaled(args: &ScheduleArgs) -> Result<Box<dyn MaskSchedule>, ScheduleError> {
    let counts =
        args.context()
            .token_counts
            .as_deref()
            .ok_or_else(|| ScheduleError::InvalidParameter {
                component: "frequency-scaled".into(),
                parameter: "token counts".into(),
                value: "none".into(),
                expected: "corpus token counts in the context".into(),
            })?;
    let total: u64 = counts.iter().sum();
    let top = counts.iter().copied().max().unwrap_or(0);
    COUNTED_VOCAB.store(counts.len(), Ordering::SeqCst);
    let power = 1.0 + top as f64 / total.max(1) as f64;
    Ok(Box::new(Power(power)))
}

static COUNTED_VOCAB: AtomicUsize = AtomicUsize::new(0);

#[derive(Debug)]
struct Power(f64);

impl MaskSchedule for Power {
    fn name(&self) -> String {
        "frequency-scaled".into()
    }
    fn mask_rate(&self, t: f64) -> f64 {
        t.powf(self.0)
    }
    fn alpha_derivative(&self, t: f64) -> f64 {
        -self.0 * t.powf(self.0 - 1.0)
    }
}

#[test]
fn a_schedule_from_outside_that_declares_token_counts_gets_the_corpus_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = common::small_corpus(tmp.path(), 20);
    let mut config = common::tiny_config(&corpus, &tmp.path().join("run"), "frequency-scaled", 10);
    config.schedule.weighting = LossWeighting::Elbo;
    let options = |registry| TrainOptions {
        quiet: true,
        registry: Some(registry),
        ..Default::default()
    };

    let mut declared = ScheduleRegistry::with_builtins();
    declared
        .register_needing_token_counts("frequency-scaled", frequency_scaled)
        .unwrap();
    train::<B>(&config, &Default::default(), &options(declared)).expect("trains with counts");
    // The counts cover the run's tokenizer vocabulary (the pre-flight check's stand-in
    // table has one entry).
    let vocab = COUNTED_VOCAB.load(Ordering::SeqCst);
    assert!(vocab > 1, "the schedule saw {vocab} token counts");

    // Registered without the declaration, it gets none and says so.
    let mut undeclared = ScheduleRegistry::with_builtins();
    undeclared
        .register("frequency-scaled", frequency_scaled)
        .unwrap();
    config.run.out_dir = tmp.path().join("undeclared");
    let err = train::<B>(&config, &Default::default(), &options(undeclared)).unwrap_err();
    assert!(format!("{err:#}").contains("token counts"), "{err:#}");
}
