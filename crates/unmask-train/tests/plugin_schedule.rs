//! A noise schedule defined outside unmask's crates, registered by name and trained with:
//! the schedule registry is a plugin point.

mod common;

use burn::backend::{Autodiff, Flex};
use unmask_schedule::{MaskSchedule, ScheduleArgs, ScheduleError, ScheduleRegistry};
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
    config.schedule.weighting = "elbo".into();
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
