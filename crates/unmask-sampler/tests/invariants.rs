//! Properties every policy must keep, over random canvases, budgets, blocks and options.

mod common;

use common::{FakeModel, MASK, Trace, id_token, run};
use proptest::prelude::*;
use unmask_sampler::{Canvas, PolicyKind, SamplerConfig, SamplerError, split_into_blocks};

/// A canvas from runs of (fixed?, length): prompts, suffixes and infilling spans anywhere.
fn canvas(b: usize, runs: &[(bool, usize)], vocab: u32) -> Canvas {
    let mut tokens = vec![id_token(b)];
    let mut fixed = vec![true];
    for (i, &(is_fixed, len)) in runs.iter().enumerate() {
        for j in 0..len {
            fixed.push(is_fixed);
            tokens.push(if is_fixed {
                5 + (i * 3 + j) as u32 % (vocab - 5)
            } else {
                MASK
            });
        }
    }
    if !fixed.contains(&false) {
        fixed.push(false);
        tokens.push(MASK);
    }
    Canvas::from_parts(tokens, fixed, MASK).unwrap()
}

fn arb_config() -> impl Strategy<Value = SamplerConfig> {
    (
        0..PolicyKind::ALL.len(),
        1usize..30,
        prop::option::of(1usize..9),
        prop_oneof![Just(0.0), 0.3f64..2.0],
        prop::option::of(1usize..6),
        prop::option::of(0.2f64..=1.0),
        any::<u64>(),
        prop::option::of(0.0f64..0.6),
        0usize..3,
        0.05f64..=1.0,
    )
        .prop_map(
            |(
                policy,
                steps,
                block_len,
                temperature,
                top_k,
                top_p,
                seed,
                remask,
                schedule,
                threshold,
            )| {
                let kind = PolicyKind::ALL[policy];
                let confidence = kind.confidence_score().is_some();
                let schedule = match (kind, schedule) {
                    (_, 1) if confidence => Some("cosine".to_string()),
                    (_, 2) if confidence => Some("linear".to_string()),
                    (PolicyKind::Ancestral, 1) => Some("cosine".to_string()),
                    (PolicyKind::Ancestral, 2) => Some("loglinear".to_string()),
                    _ => None,
                };
                let remasks = kind.supports_remask();
                SamplerConfig {
                    policy: kind,
                    steps,
                    schedule,
                    threshold: (kind == PolicyKind::Threshold).then_some(threshold),
                    block_len,
                    remask: if remasks { remask } else { None },
                    cache: None,
                    cache_refresh: None,
                    temperature,
                    top_k,
                    top_p,
                    forbidden: vec![0],
                    seed,
                }
            },
        )
}

fn arb_canvases() -> impl Strategy<Value = Vec<Vec<(bool, usize)>>> {
    prop::collection::vec(
        prop::collection::vec((any::<bool>(), 1usize..12), 1..5),
        1..4,
    )
}

/// Which block of canvas `canvas` holds `position`.
fn block_of(canvas: &Canvas, block_len: Option<usize>, position: usize) -> usize {
    let generated = canvas.generated_positions();
    let index = generated
        .iter()
        .position(|&p| p == position)
        .expect("a generated position");
    split_into_blocks(generated.len(), block_len)
        .iter()
        .position(|r| r.contains(&index))
        .unwrap()
}

fn check_trace(config: &SamplerConfig, trace: &Trace, forbidden: &[u32]) {
    let generation = &trace.generation;
    assert!(generation.steps_taken <= config.steps);
    assert!(generation.nfe <= generation.steps_taken);
    assert_eq!(trace.snapshots.len(), generation.steps_taken);
    assert_eq!(trace.calls.iter().flatten().count(), generation.nfe);

    for (b, (start, end)) in trace.initial.iter().zip(&generation.canvases).enumerate() {
        assert!(end.is_complete(), "canvas {b} still has masks: {end:?}");
        for p in 0..start.len() {
            if start.is_fixed(p) {
                assert_eq!(
                    start.tokens()[p],
                    end.tokens()[p],
                    "fixed position {p} changed"
                );
            } else {
                let token = end.tokens()[p];
                assert!(
                    token != MASK && !forbidden.contains(&token),
                    "wrote forbidden {token}"
                );
            }
        }
    }

    let batch = trace.initial.len();
    let mut current_block = vec![0usize; batch];
    for step in 0..trace.snapshots.len() {
        if let Some(call) = &trace.calls[step] {
            for (j, &b) in call.canvases.iter().enumerate() {
                assert_eq!(
                    call.tokens[j],
                    trace.before(step)[b].tokens(),
                    "the model saw a stale canvas"
                );
                assert!(!call.positions[j].is_empty());
            }
        }
        for (b, block_now) in current_block.iter_mut().enumerate() {
            let before = &trace.before(step)[b];
            let after = &trace.snapshots[step][b];
            let requested = trace.requested(step, b);
            assert!(
                requested.windows(2).all(|w| w[0] < w[1]),
                "requests are increasing"
            );
            let changed: Vec<usize> = (0..before.len())
                .filter(|&p| before.tokens()[p] != after.tokens()[p])
                .collect();
            let touched: Vec<usize> = requested.iter().chain(&changed).copied().collect();
            for &p in &touched {
                assert!(
                    !before.is_fixed(p),
                    "step {step} touched fixed position {p}"
                );
                let block = block_of(before, config.block_len, p);
                if block != *block_now {
                    assert!(
                        block > *block_now,
                        "went back from block {} to {block}",
                        *block_now
                    );
                    for q in before.masked_positions() {
                        assert!(
                            block_of(before, config.block_len, q) >= block,
                            "block {block} started while an earlier block still had a mask"
                        );
                    }
                    *block_now = block;
                }
            }
            if config.policy != PolicyKind::Seed {
                for &p in &requested {
                    assert!(
                        before.is_masked(p),
                        "{} asked for unmasked position {p}",
                        config.policy
                    );
                }
            }
            if config.policy == PolicyKind::Threshold && !requested.is_empty() {
                assert!(
                    !trace.committed(step, b).is_empty(),
                    "threshold committed nothing"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_policy_finishes_within_its_budget(
        config in arb_config(),
        layouts in arb_canvases(),
        vocab in 8usize..40,
    ) {
        let canvases: Vec<Canvas> = layouts
            .iter()
            .enumerate()
            .map(|(b, runs)| canvas(b, runs, vocab as u32))
            .collect();
        let most_blocks = canvases
            .iter()
            .map(|c| split_into_blocks(c.generated_positions().len(), config.block_len).len())
            .max()
            .unwrap();
        let mut model = FakeModel::new(vocab);
        match run(config.clone(), &mut model, canvases) {
            Err(SamplerError::TooFewSteps { blocks, steps, .. }) => {
                prop_assert!(most_blocks > config.steps);
                prop_assert_eq!(steps, config.steps);
                prop_assert!(blocks > steps);
            }
            Err(other) => panic!("unexpected error: {other}"),
            Ok(trace) => {
                prop_assert!(most_blocks <= config.steps);
                check_trace(&config, &trace, &config.forbidden);
            }
        }
    }
}
