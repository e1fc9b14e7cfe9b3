//! Policy behaviour on the scripted denoiser, checked against hand computation or a
//! direct re-implementation.

mod common;

use common::{FakeModel, MASK, Trace, config, prompted, run};
use rand::Rng;
use unmask_sampler::rng::decision_rng;
use unmask_sampler::{Canvas, NoObserver, PolicyKind, Sampler, SamplerConfig};

/// Softmax of the model's row over the allowed tokens, in f64.
fn probs(model: &FakeModel, tokens: &[u32], position: usize, forbidden: &[u32]) -> Vec<f64> {
    let row = model.row(tokens, position);
    let allowed = |t: usize| t as u32 != MASK && !forbidden.contains(&(t as u32));
    let max = (0..row.len())
        .filter(|&t| allowed(t))
        .map(|t| row[t] as f64)
        .fold(f64::MIN, f64::max);
    let weights: Vec<f64> = (0..row.len())
        .map(|t| {
            if allowed(t) {
                (row[t] as f64 - max).exp()
            } else {
                0.0
            }
        })
        .collect();
    let z: f64 = weights.iter().sum();
    weights.iter().map(|w| w / z).collect()
}

fn score(policy: PolicyKind, probs: &[f64]) -> f64 {
    let mut sorted = probs.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    match policy {
        PolicyKind::Prob => sorted[0],
        PolicyKind::Margin => sorted[0] - sorted[1],
        PolicyKind::Entropy => probs.iter().filter(|&&p| p > 0.0).map(|p| p * p.ln()).sum(),
        other => panic!("{other}"),
    }
}

#[test]
fn seed_policy_matches_a_direct_reimplementation() {
    let mut model = FakeModel::new(12);
    let canvas = prompted(0, &[7, 8], 6, &[9]);
    let mut cfg = config(PolicyKind::Seed, 10);
    cfg.top_k = Some(1);
    cfg.seed = 42;
    cfg.forbidden = vec![0];
    let trace = run(cfg, &mut model, vec![canvas.clone()]).unwrap();
    assert_eq!(trace.generation.steps_taken, 10);

    let generated = canvas.generated_positions();
    let mut tokens = canvas.tokens().to_vec();
    let mut rng = decision_rng(42, 0);
    let mut calls = 0;
    for k in 0..10 {
        // The re-mask draw comes first; only the positions that keep their sample are asked for.
        let remask = 1.0 - (k + 1) as f64 / 10.0;
        let keeps: Vec<bool> = generated
            .iter()
            .map(|_| k == 9 || rng.random::<f64>() >= remask)
            .collect();
        let kept: Vec<usize> = generated
            .iter()
            .zip(&keeps)
            .filter_map(|(&p, &keep)| keep.then_some(p))
            .collect();
        assert_eq!(
            trace.requested(k, 0),
            kept,
            "the seed loop asks for the positions that survive the re-mask"
        );
        calls += usize::from(!kept.is_empty());
        let seen = tokens.clone();
        for (&p, &keep) in generated.iter().zip(&keeps) {
            tokens[p] = if keep {
                model.argmax(&seen, p, &[0])
            } else {
                MASK
            };
        }
        assert_eq!(trace.snapshots[k][0].tokens(), tokens, "step {k}");
    }
    assert_eq!(trace.generation.nfe, calls);
}

#[test]
fn seed_policy_remasks_the_scheduled_fraction() {
    let mut model = FakeModel::new(8);
    model.context = false;
    let trace = run(
        config(PolicyKind::Seed, 10),
        &mut model,
        vec![prompted(0, &[], 3000, &[])],
    )
    .unwrap();
    for (k, snapshot) in trace.snapshots.iter().enumerate() {
        let fraction = snapshot[0].num_masked() as f64 / 3000.0;
        let expected = 1.0 - (k + 1) as f64 / 10.0;
        assert!(
            (fraction - expected).abs() < 0.04,
            "step {k}: {fraction} vs {expected}"
        );
    }
}

#[test]
fn ancestral_makes_no_model_call_when_nothing_is_revealed() {
    let mut model = FakeModel::new(10);
    let trace = run(
        config(PolicyKind::Ancestral, 10),
        &mut model,
        vec![prompted(0, &[5], 1, &[])],
    )
    .unwrap();
    assert_eq!(trace.generation.nfe, 1);
    assert!(trace.generation.canvases[0].is_complete());

    let mut model = FakeModel::new(10);
    let trace = run(
        config(PolicyKind::Ancestral, 40),
        &mut model,
        vec![prompted(0, &[5], 3, &[])],
    )
    .unwrap();
    assert!(trace.generation.nfe <= 3, "nfe {}", trace.generation.nfe);
    for step in 0..trace.snapshots.len() {
        assert_eq!(trace.requested(step, 0), trace.committed(step, 0));
    }
}

#[test]
fn ancestral_reveals_follow_the_schedule() {
    // Linear schedule, 4 steps: reveal probabilities 1/4, 1/3, 1/2, 1 reveal a quarter each step.
    let mut model = FakeModel::new(8);
    model.context = false;
    let trace = run(
        config(PolicyKind::Ancestral, 4),
        &mut model,
        vec![prompted(0, &[], 4000, &[])],
    )
    .unwrap();
    let counts = trace.commit_counts(0);
    assert_eq!(counts.iter().sum::<usize>(), 4000);
    for count in &counts {
        assert!((*count as f64 - 1000.0).abs() < 100.0, "{counts:?}");
    }
}

#[test]
fn confidence_commit_counts_follow_the_split() {
    for (schedule, gen_len, steps, block_len, expected) in [
        (None, 10, 4, None, vec![3, 3, 2, 2]),
        (Some("cosine"), 100, 4, None, vec![8, 21, 33, 38]),
        (Some("linear"), 10, 4, None, vec![2, 3, 2, 3]),
        // Fewer masks than steps: the block is done after two steps.
        (None, 2, 5, None, vec![1, 1]),
        // Blocks 4, 4, 2 with budgets 2, 2, 2 and 3, 2, 2.
        (None, 10, 6, Some(4), vec![2, 2, 2, 2, 1, 1]),
        (None, 10, 7, Some(4), vec![2, 1, 1, 2, 2, 1, 1]),
    ] {
        for policy in [
            PolicyKind::Prob,
            PolicyKind::Margin,
            PolicyKind::Entropy,
            PolicyKind::Random,
        ] {
            let mut model = FakeModel::new(16);
            let mut cfg = config(policy, steps);
            cfg.schedule = schedule.map(str::to_string);
            cfg.block_len = block_len;
            let trace = run(cfg, &mut model, vec![prompted(0, &[5, 6], gen_len, &[7])]).unwrap();
            assert_eq!(
                trace.commit_counts(0),
                expected,
                "{policy} {schedule:?} {gen_len} {steps}"
            );
        }
    }
}

#[test]
fn confidence_commits_the_best_scored_positions() {
    for policy in [PolicyKind::Prob, PolicyKind::Margin, PolicyKind::Entropy] {
        let mut model = FakeModel::new(20);
        let mut cfg = config(policy, 5);
        cfg.temperature = 0.0;
        cfg.forbidden = vec![0];
        let trace = run(cfg, &mut model, vec![prompted(0, &[5], 12, &[6])]).unwrap();
        for step in 0..trace.snapshots.len() {
            let before = trace.before(step)[0].tokens();
            let requested = trace.requested(step, 0);
            let committed = trace.committed(step, 0);
            let mut ranked = requested.clone();
            let scores = |p: usize| score(policy, &probs(&model, before, p, &[0]));
            ranked.sort_by(|&a, &b| scores(b).total_cmp(&scores(a)));
            let mut best = ranked[..committed.len()].to_vec();
            best.sort_unstable();
            assert_eq!(committed, best, "{policy} step {step}");
        }
    }
}

#[test]
fn random_order_asks_only_for_what_it_commits() {
    let mut model = FakeModel::new(16);
    let trace = run(
        config(PolicyKind::Random, 4),
        &mut model,
        vec![prompted(0, &[5], 10, &[])],
    )
    .unwrap();
    for step in 0..4 {
        assert_eq!(trace.requested(step, 0), trace.committed(step, 0));
    }
    assert_eq!(trace.commit_counts(0), [3, 3, 2, 2]);
}

#[test]
fn threshold_commits_every_confident_position_at_once() {
    let mut model = FakeModel::new(16);
    model.bias = vec![(9, 30.0)];
    let trace = run(
        config(PolicyKind::Threshold, 8),
        &mut model,
        vec![prompted(0, &[5], 10, &[])],
    )
    .unwrap();
    assert_eq!(trace.generation.nfe, 1);
    assert_eq!(trace.generation.steps_taken, 1);
    assert_eq!(trace.generation.canvases[0].generated_tokens(), [9; 10]);
}

#[test]
fn threshold_spreads_unconfident_positions_over_the_budget() {
    // Flat logits: every probability is 1/14 < 0.9, so each step commits ceil(masks / steps left).
    let mut model = FakeModel::new(16);
    model.scale = 0.0;
    let trace = run(
        config(PolicyKind::Threshold, 4),
        &mut model,
        vec![prompted(0, &[5], 10, &[])],
    )
    .unwrap();
    assert_eq!(trace.commit_counts(0), [3, 3, 2, 2]);
    // A low threshold takes more than the minimum but at least one per step.
    let mut model = FakeModel::new(16);
    let mut cfg = config(PolicyKind::Threshold, 20);
    cfg.threshold = Some(0.12);
    let trace = run(cfg, &mut model, vec![prompted(0, &[5], 30, &[])]).unwrap();
    assert!(trace.commit_counts(0).iter().all(|&c| c >= 1));
    assert!(trace.generation.steps_taken < 20);
}

#[test]
fn greedy_writes_the_argmax() {
    for policy in [
        PolicyKind::Seed,
        PolicyKind::Ancestral,
        PolicyKind::Prob,
        PolicyKind::Margin,
        PolicyKind::Threshold,
        PolicyKind::Random,
    ] {
        let mut model = FakeModel::new(20);
        let mut cfg = config(policy, 6);
        cfg.temperature = 0.0;
        cfg.forbidden = vec![0, 3];
        let trace = run(cfg, &mut model, vec![prompted(0, &[5], 9, &[6])]).unwrap();
        for step in 0..trace.snapshots.len() {
            let before = trace.before(step)[0].tokens();
            let after = trace.snapshots[step][0].tokens();
            for p in trace.requested(step, 0) {
                if after[p] != MASK {
                    assert_eq!(
                        after[p],
                        model.argmax(before, p, &[0, 3]),
                        "{policy} step {step}"
                    );
                }
            }
        }
    }
}

#[test]
fn forbidden_tokens_never_appear_even_when_most_likely() {
    for policy in PolicyKind::ALL {
        let mut model = FakeModel::new(12);
        model.bias = vec![(0, 40.0), (4, 40.0), (MASK, 40.0)];
        let mut cfg = config(policy, 5);
        cfg.forbidden = vec![0, 4];
        cfg.top_k = Some(3);
        let trace = run(cfg, &mut model, vec![prompted(0, &[5], 15, &[])]).unwrap();
        for token in trace.generation.canvases[0].generated_tokens() {
            assert!(![0, 4, MASK].contains(&token), "{policy} wrote {token}");
        }
    }
}

fn generate(cfg: &SamplerConfig, canvases: Vec<Canvas>) -> Vec<Canvas> {
    let mut model = FakeModel::new(30);
    Sampler::new(cfg.clone())
        .unwrap()
        .generate(&mut model, canvases, &mut NoObserver)
        .unwrap()
        .canvases
}

#[test]
fn same_seed_same_output_other_seed_other_output() {
    for policy in PolicyKind::ALL {
        let mut cfg = config(policy, 8);
        cfg.seed = 1;
        if policy.supports_remask() {
            cfg.remask = Some(0.1);
        }
        let canvas = || vec![prompted(0, &[5], 30, &[6])];
        let first = generate(&cfg, canvas());
        assert_eq!(first, generate(&cfg, canvas()), "{policy}");
        cfg.seed = 2;
        assert_ne!(first, generate(&cfg, canvas()), "{policy}");
    }
}

#[test]
fn a_canvas_gets_the_same_output_alone_or_in_a_batch() {
    for policy in PolicyKind::ALL {
        let cfg = config(policy, 6);
        let a = prompted(0, &[5], 12, &[6]);
        let b = prompted(1, &[7, 8, 9], 20, &[]);
        let together = generate(&cfg, vec![a.clone(), b]);
        let alone = generate(&cfg, vec![a]);
        assert_eq!(together[0], alone[0], "{policy}");
    }
}

#[test]
fn one_model_call_per_step_for_the_whole_batch() {
    let mut model = FakeModel::new(16);
    let canvases = vec![
        prompted(0, &[5], 8, &[]),
        prompted(1, &[], 3, &[6]),
        prompted(2, &[9, 9], 5, &[]),
    ];
    let trace = run(config(PolicyKind::Prob, 4), &mut model, canvases).unwrap();
    assert_eq!(trace.generation.nfe, 4);
    assert_eq!(trace.calls[0].as_ref().unwrap().canvases, [0, 1, 2]);
    // The 3-token canvas is done after 3 steps and leaves the batch.
    assert_eq!(trace.calls[3].as_ref().unwrap().canvases, [0, 2]);
}

#[test]
fn remasking_puts_masks_back_and_still_finishes() {
    for policy in [
        PolicyKind::Prob,
        PolicyKind::Margin,
        PolicyKind::Threshold,
        PolicyKind::Random,
    ] {
        let mut model = FakeModel::new(16);
        let mut cfg = config(policy, 10);
        cfg.remask = Some(0.5);
        let trace: Trace = run(cfg, &mut model, vec![prompted(0, &[5], 20, &[])]).unwrap();
        let remasked = (0..trace.snapshots.len()).any(|s| {
            let before = &trace.before(s)[0];
            let after = &trace.snapshots[s][0];
            (0..before.len()).any(|p| !before.is_masked(p) && after.is_masked(p))
        });
        assert!(remasked, "{policy}");
        assert!(trace.generation.canvases[0].is_complete());
        assert!(trace.generation.steps_taken <= 10);
    }
}

#[test]
fn template_canvas_fills_only_its_spans() {
    let template = unmask_sampler::Template::parse("a b [MASK:3] c [MASK:2] d").unwrap();
    let canvas = Canvas::from_template(
        &template,
        |text| {
            Ok(text
                .split_whitespace()
                .map(|w| 10 + w.len() as u32)
                .collect())
        },
        &[common::id_token(0)],
        &[],
        MASK,
    )
    .unwrap();
    let mut model = FakeModel::new(16);
    let trace = run(
        config(PolicyKind::Margin, 5),
        &mut model,
        vec![canvas.clone()],
    )
    .unwrap();
    let out = &trace.generation.canvases[0];
    assert!(out.is_complete());
    assert_eq!(out.generated_spans(), canvas.generated_spans());
    for p in 0..canvas.len() {
        if canvas.is_fixed(p) {
            assert_eq!(out.tokens()[p], canvas.tokens()[p]);
        }
    }
}
