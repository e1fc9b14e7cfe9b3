//! Bad input gives a typed error with a message that says what to fix, never a panic.

mod common;

use common::{FakeModel, MASK, config, prompted};
use unmask_sampler::{
    Canvas, Denoiser, NoObserver, PolicyKind, Sampler, SamplerConfig, SamplerError,
};

fn build_error(cfg: SamplerConfig) -> SamplerError {
    Sampler::new(cfg).unwrap_err()
}

#[test]
fn invalid_configs() {
    type Case = (SamplerConfig, fn(&SamplerError) -> bool, &'static str);
    let cases: Vec<Case> = vec![
        (
            config(PolicyKind::Prob, 0),
            |e| matches!(e, SamplerError::ZeroSteps),
            "at least 1",
        ),
        (
            SamplerConfig {
                top_p: Some(0.0),
                ..config(PolicyKind::Prob, 4)
            },
            |e| matches!(e, SamplerError::InvalidTopP(_)),
            "(0, 1]",
        ),
        (
            SamplerConfig {
                top_p: Some(1.5),
                ..config(PolicyKind::Prob, 4)
            },
            |e| matches!(e, SamplerError::InvalidTopP(_)),
            "(0, 1]",
        ),
        (
            SamplerConfig {
                top_k: Some(0),
                ..config(PolicyKind::Prob, 4)
            },
            |e| matches!(e, SamplerError::ZeroTopK),
            "at least 1",
        ),
        (
            SamplerConfig {
                temperature: -0.5,
                ..config(PolicyKind::Prob, 4)
            },
            |e| matches!(e, SamplerError::InvalidTemperature(_)),
            ">= 0",
        ),
        (
            SamplerConfig {
                temperature: f64::NAN,
                ..config(PolicyKind::Prob, 4)
            },
            |e| matches!(e, SamplerError::InvalidTemperature(_)),
            ">= 0",
        ),
        (
            SamplerConfig {
                threshold: Some(0.0),
                ..config(PolicyKind::Threshold, 4)
            },
            |e| matches!(e, SamplerError::InvalidThreshold(_)),
            "(0, 1]",
        ),
        (
            SamplerConfig {
                threshold: Some(1.01),
                ..config(PolicyKind::Threshold, 4)
            },
            |e| matches!(e, SamplerError::InvalidThreshold(_)),
            "(0, 1]",
        ),
        (
            SamplerConfig {
                block_len: Some(0),
                ..config(PolicyKind::Prob, 4)
            },
            |e| matches!(e, SamplerError::ZeroBlockLen),
            "block length",
        ),
        (
            SamplerConfig {
                remask: Some(1.0),
                ..config(PolicyKind::Prob, 4)
            },
            |e| matches!(e, SamplerError::InvalidRemask(_)),
            "[0, 1)",
        ),
        (
            SamplerConfig {
                remask: Some(0.1),
                ..config(PolicyKind::Seed, 4)
            },
            |e| {
                matches!(
                    e,
                    SamplerError::UnusedParameter {
                        parameter: "remask",
                        ..
                    }
                )
            },
            "takes no `remask`",
        ),
        (
            SamplerConfig {
                threshold: Some(0.5),
                ..config(PolicyKind::Prob, 4)
            },
            |e| {
                matches!(
                    e,
                    SamplerError::UnusedParameter {
                        parameter: "threshold",
                        ..
                    }
                )
            },
            "takes no `threshold`",
        ),
        (
            SamplerConfig {
                schedule: Some("spindle".into()),
                ..config(PolicyKind::Ancestral, 4)
            },
            |e| matches!(e, SamplerError::Schedule(_)),
            "token counts",
        ),
        (
            SamplerConfig {
                schedule: Some("fixed:0.2".into()),
                ..config(PolicyKind::Prob, 4)
            },
            |e| matches!(e, SamplerError::ScheduleNotMasking { .. }),
            "from masked to clean",
        ),
    ];
    for (cfg, is_expected, needle) in cases {
        let err = build_error(cfg.clone());
        assert!(is_expected(&err), "{cfg:?}: {err}");
        assert!(err.to_string().contains(needle), "{err}");
    }
}

#[test]
fn an_unknown_policy_name_lists_the_known_ones() {
    let err = "beam".parse::<PolicyKind>().unwrap_err();
    assert!(
        matches!(&err, SamplerError::UnknownPolicy { name, .. } if name == "beam"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "unknown sampling policy `beam`; known policies: seed, ancestral, prob, margin, \
         entropy, random, threshold"
    );
}

#[test]
fn a_schedule_that_never_masks_is_rejected() {
    use unmask_schedule::{MaskSchedule, ScheduleRegistry};
    #[derive(Debug)]
    struct Never;
    impl MaskSchedule for Never {
        fn name(&self) -> String {
            "never".into()
        }
        fn mask_rate(&self, _t: f64) -> f64 {
            0.0
        }
        fn alpha_derivative(&self, _t: f64) -> f64 {
            0.0
        }
    }
    let mut registry = ScheduleRegistry::with_builtins();
    registry.register("never", |_| Ok(Box::new(Never))).unwrap();
    let cfg = SamplerConfig {
        schedule: Some("never".into()),
        ..config(PolicyKind::Margin, 4)
    };
    let err = Sampler::with_registry(cfg, &registry).unwrap_err();
    assert!(
        matches!(err, SamplerError::ScheduleNotMasking { .. }),
        "{err}"
    );
}

fn generate_error(
    cfg: SamplerConfig,
    model: &mut dyn Denoiser,
    canvases: Vec<Canvas>,
) -> SamplerError {
    Sampler::new(cfg)
        .unwrap()
        .generate(model, canvases, &mut NoObserver)
        .unwrap_err()
}

#[test]
fn too_few_steps_for_the_blocks() {
    let cfg = SamplerConfig {
        block_len: Some(4),
        ..config(PolicyKind::Prob, 2)
    };
    let err = generate_error(cfg, &mut FakeModel::new(10), vec![prompted(0, &[], 9, &[])]);
    assert!(
        matches!(
            err,
            SamplerError::TooFewSteps {
                blocks: 3,
                steps: 2,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("raise the steps or the block length"),
        "{err}"
    );
}

#[test]
fn bad_batches_and_vocabularies() {
    let err = generate_error(config(PolicyKind::Prob, 2), &mut FakeModel::new(10), vec![]);
    assert!(matches!(err, SamplerError::EmptyBatch), "{err}");

    let cfg = SamplerConfig {
        forbidden: vec![10],
        ..config(PolicyKind::Prob, 2)
    };
    let err = generate_error(cfg, &mut FakeModel::new(10), vec![prompted(0, &[], 3, &[])]);
    assert!(
        matches!(
            err,
            SamplerError::ForbiddenOutOfVocab {
                token: 10,
                vocab: 10
            }
        ),
        "{err}"
    );

    let cfg = SamplerConfig {
        forbidden: vec![0, 2, 3],
        ..config(PolicyKind::Prob, 2)
    };
    let err = generate_error(cfg, &mut FakeModel::new(4), vec![prompted(0, &[], 3, &[])]);
    assert!(matches!(err, SamplerError::AllTokensForbidden), "{err}");

    let err = generate_error(
        config(PolicyKind::Prob, 2),
        &mut FakeModel::new(10),
        vec![prompted(0, &[42], 3, &[])],
    );
    assert!(
        matches!(
            err,
            SamplerError::TokenOutOfVocab {
                position: 1,
                token: 42,
                ..
            }
        ),
        "{err}"
    );

    let err = generate_error(
        config(PolicyKind::Prob, 2),
        &mut FakeModel::new(0),
        vec![prompted(0, &[], 3, &[])],
    );
    assert!(
        matches!(
            err,
            SamplerError::EmptyVocab | SamplerError::TokenOutOfVocab { .. }
        ),
        "{err}"
    );
}

/// A denoiser that misbehaves in a chosen way.
struct Broken {
    kind: &'static str,
}

impl Denoiser for Broken {
    fn vocab_size(&self) -> usize {
        6
    }

    fn logits(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        let good = |ps: &[usize]| vec![0.5f32; ps.len() * 6];
        match self.kind {
            "fails" => anyhow::bail!("out of memory"),
            "short" => Ok(positions
                .iter()
                .map(|ps| vec![0.0; ps.len() * 6 - 1])
                .collect()),
            "batch" => Ok(vec![good(positions[0]); tokens.len() + 1]),
            "nan" => Ok(positions
                .iter()
                .map(|ps| vec![f32::NAN; ps.len() * 6])
                .collect()),
            "all-masked" => Ok(positions
                .iter()
                .map(|ps| {
                    let mut row = vec![f32::NEG_INFINITY; ps.len() * 6];
                    row[MASK as usize] = 1.0;
                    row
                })
                .collect()),
            _ => Ok(positions.iter().map(|ps| good(ps)).collect()),
        }
    }
}

#[test]
fn denoiser_failures_and_malformed_output() {
    let canvases = || vec![prompted(0, &[], 3, &[])];
    let err = generate_error(
        config(PolicyKind::Prob, 2),
        &mut Broken { kind: "fails" },
        canvases(),
    );
    assert!(
        matches!(err, SamplerError::Denoiser { step: 0, .. }),
        "{err}"
    );
    assert_eq!(
        std::error::Error::source(&err).unwrap().to_string(),
        "out of memory"
    );

    for kind in ["short", "batch"] {
        let err = generate_error(
            config(PolicyKind::Prob, 2),
            &mut Broken { kind },
            canvases(),
        );
        assert!(
            matches!(err, SamplerError::DenoiserOutput { .. }),
            "{kind}: {err}"
        );
    }
    let err = generate_error(
        config(PolicyKind::Prob, 2),
        &mut Broken { kind: "nan" },
        canvases(),
    );
    assert!(matches!(err, SamplerError::BadLogits { .. }), "{err}");
    assert!(err.to_string().contains("NaN"), "{err}");
    let err = generate_error(
        config(PolicyKind::Seed, 2),
        &mut Broken { kind: "all-masked" },
        canvases(),
    );
    assert!(err.to_string().contains("nothing can be sampled"), "{err}");
}

#[test]
fn observer_failure_stops_generation() {
    let mut failing = |step: usize, _: &[Canvas]| -> anyhow::Result<()> {
        anyhow::ensure!(step < 1, "disk full");
        Ok(())
    };
    let err = Sampler::new(config(PolicyKind::Prob, 4))
        .unwrap()
        .generate(
            &mut FakeModel::new(10),
            vec![prompted(0, &[], 4, &[])],
            &mut failing,
        )
        .unwrap_err();
    assert!(
        matches!(err, SamplerError::Observer { step: 1, .. }),
        "{err}"
    );
}
