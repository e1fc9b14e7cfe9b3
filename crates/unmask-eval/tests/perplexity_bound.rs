mod common;

use std::sync::Arc;

use common::{KnowsTruth, MASK, Uniform, held_out};
use unmask_eval::{
    BoundOptions, BoundReport, EvalError, MaskingOptions, TimeQuadrature, perplexity_bound,
};
use unmask_schedule::{Cosine, FixedRate, Linear, MaskSchedule, ScheduleContext, ScheduleRegistry};

/// Standard deviation of the bound's masking noise for a model whose loss is `ce` on every
/// token: node k's estimate is `w(t_k) * ce * M_k / L` with M_k ~ Binomial(L, r_k), so its
/// variance is `(w(t_k) ce)^2 r_k (1 - r_k) / L`.
fn masking_sigma(schedule: &dyn MaskSchedule, nodes: usize, tokens: usize, ce: f64) -> f64 {
    let rule = TimeQuadrature::gauss_legendre(nodes).unwrap();
    let variance: f64 = rule
        .nodes()
        .iter()
        .zip(rule.weights())
        .map(|(&t, &w)| {
            let r = schedule.mask_rate(t);
            let weight = schedule.elbo_weight(t).unwrap();
            (w * weight * ce).powi(2) * r * (1.0 - r) / tokens as f64
        })
        .sum();
    variance.sqrt()
}

/// The bound recomputed by hand from the report's own masked counts: checks the formula
/// exactly, independent of the masking noise.
fn recomputed(report: &BoundReport, ce: f64) -> f64 {
    report
        .per_node
        .iter()
        .map(|node| {
            node.quadrature_weight * node.elbo_weight * node.masked_tokens as f64 * ce
                / report.tokens as f64
        })
        .sum()
}

#[test]
fn uniform_model_bound_is_ln_vocab_under_linear_schedule() {
    // E over masks of (1/t) * (t L) * ln V / L = ln V at every t: the integrand is constant,
    // so the quadrature is exact and only masking noise remains.
    let vocab = 50;
    let sequences = held_out(64, 128, vocab);
    let mut model = Uniform { vocab, calls: 0 };
    let options = BoundOptions::new(MASK);
    let report = perplexity_bound(&mut model, &sequences, &options).unwrap();
    let ln_v = (vocab as f64).ln();
    assert_eq!(report.tokens, 64 * 128);
    assert!((report.nll_per_token - recomputed(&report, ln_v)).abs() < 1e-9 * ln_v);
    let sigma = masking_sigma(&Linear::default(), 16, report.tokens, ln_v);
    assert!(sigma < 0.01 * ln_v, "test too noisy: sigma {sigma}");
    let error = report.nll_per_token - ln_v;
    assert!(
        error.abs() < 4.0 * sigma,
        "bound {} vs ln V {ln_v} (sigma {sigma})",
        report.nll_per_token
    );
    assert!((report.perplexity - report.nll_per_token.exp()).abs() < 1e-9 * report.perplexity);
    assert!((report.bits_per_token - report.nll_per_token / 2f64.ln()).abs() < 1e-12);
    assert_eq!(report.nfe, model.calls);
    assert_eq!(report.schedule, "linear");
    assert_eq!(report.per_node.len(), 16);
}

#[test]
fn model_that_knows_the_token_with_probability_p_scores_minus_ln_p() {
    let vocab = 20;
    let sequences = held_out(48, 96, vocab);
    for p in [0.9, 0.5, 0.2] {
        let mut model = KnowsTruth::new(vocab, p);
        let report = perplexity_bound(&mut model, &sequences, &BoundOptions::new(MASK)).unwrap();
        let ce = -p.ln();
        assert!((report.nll_per_token - recomputed(&report, ce)).abs() < 1e-6 * ce);
        let sigma = masking_sigma(&Linear::default(), 16, report.tokens, ce);
        let error = report.nll_per_token - ce;
        assert!(
            error.abs() < 4.0 * sigma,
            "p = {p}: {} vs {ce}",
            report.nll_per_token
        );
    }
}

#[test]
fn elbo_weight_comes_from_the_evaluation_schedule() {
    // Under cosine the expected integrand is -alpha'(t) * ce and alpha falls from 1 to 0, so
    // the bound is ce again, but only if the weight is -alpha'/(1 - alpha), not 1/t.
    let vocab = 30;
    let sequences = held_out(64, 128, vocab);
    let schedule = Arc::new(Cosine);
    let options = BoundOptions::new(MASK).with_schedule(schedule.clone());
    let report = perplexity_bound(&mut Uniform { vocab, calls: 0 }, &sequences, &options).unwrap();
    let ln_v = (vocab as f64).ln();
    assert_eq!(report.schedule, "cosine");
    for node in &report.per_node {
        assert!((node.elbo_weight - schedule.elbo_weight(node.t).unwrap()).abs() < 1e-12);
    }
    let sigma = masking_sigma(schedule.as_ref(), 16, report.tokens, ln_v);
    assert!((report.nll_per_token - ln_v).abs() < 4.0 * sigma + 1e-6);
}

/// Spindle's per-token rates with a scalar ELBO weight (its envelope's 1/t): spindle
/// itself has none, but a per-token schedule that declares one is masked token by token.
#[derive(Debug)]
struct PerTokenWithWeight(Box<dyn MaskSchedule>);

impl MaskSchedule for PerTokenWithWeight {
    fn name(&self) -> String {
        format!("weighted-{}", self.0.name())
    }
    fn mask_rate(&self, t: f64) -> f64 {
        self.0.mask_rate(t)
    }
    fn alpha_derivative(&self, t: f64) -> f64 {
        self.0.alpha_derivative(t)
    }
    fn token_mask_rates(&self, t: f64, tokens: &[u32], out: &mut [f64]) {
        self.0.token_mask_rates(t, tokens, out)
    }
}

#[test]
fn per_token_schedule_masks_only_maskable_tokens_at_their_own_rates() {
    // Spindle with lambda 1: token 1 is frequent (survives longer), token 2 rare.
    let counts = ScheduleContext::with_token_counts(vec![0, 1_000_000, 1]);
    let schedule: Arc<dyn MaskSchedule> = Arc::new(PerTokenWithWeight(
        ScheduleRegistry::with_builtins()
            .build("spindle:1", &counts)
            .unwrap(),
    ));
    let sequences: Vec<Vec<u32>> = (0..200).map(|_| [1, 2].repeat(50)).collect();
    let mut model = KnowsTruth::new(3, 0.5);
    let options = BoundOptions::new(MASK).with_schedule(schedule);
    perplexity_bound(&mut model, &sequences, &options).unwrap();
    let (mut frequent, mut rare) = (0usize, 0usize);
    for (canvas, positions) in model.seen() {
        for p in positions {
            assert_eq!(canvas[p], MASK);
            if sequences[0][p] == 1 {
                frequent += 1
            } else {
                rare += 1
            }
        }
    }
    assert!(
        rare as f64 > 1.2 * frequent as f64,
        "rare {rare}, frequent {frequent}"
    );
}

#[test]
fn masks_repeat_for_a_seed_differ_across_seeds_and_ignore_batch_size() {
    let vocab = 12;
    let sequences = held_out(10, 40, vocab);
    let run = |seed: u64, batch_size: usize| {
        let mut model = KnowsTruth::new(vocab, 0.7);
        let masking = MaskingOptions::new(MASK)
            .with_seed(seed)
            .with_batch_size(batch_size);
        let options = BoundOptions::new(MASK)
            .with_masking(masking)
            .with_quadrature_nodes(8);
        let report = perplexity_bound(&mut model, &sequences, &options).unwrap();
        (model.seen(), model.calls.len(), report)
    };
    let (first, calls, report) = run(3, 4);
    let (again, _, report_again) = run(3, 4);
    assert_eq!(first, again);
    assert_eq!(report, report_again);
    let (rebatched, calls_one, _) = run(3, 1);
    assert_eq!(first, rebatched);
    assert!(calls < calls_one);
    assert_eq!(calls, first.len().div_ceil(4));
    let (other, _, _) = run(4, 4);
    assert_ne!(first, other);
    for (canvas, positions) in &first {
        assert!(!positions.is_empty());
        assert!(positions.windows(2).all(|w| w[0] < w[1]));
        let masked = canvas.iter().filter(|&&t| t == MASK).count();
        assert_eq!(masked, positions.len());
    }
}

#[test]
fn prompt_region_and_protected_ids_are_never_masked_nor_counted() {
    let vocab = 12;
    let protected = 5u32;
    let sequences: Vec<Vec<u32>> = held_out(6, 30, vocab)
        .into_iter()
        .map(|mut s| {
            s[29] = protected;
            s
        })
        .collect();
    let mut model = Uniform { vocab, calls: 0 };
    let masking = MaskingOptions::new(MASK)
        .with_prompt_len(10)
        .with_protected_ids([protected]);
    let expected_tokens: usize = sequences
        .iter()
        .map(|s| s[10..].iter().filter(|&&t| t != protected).count())
        .sum();
    let options = BoundOptions::new(MASK).with_masking(masking.clone());
    let report = perplexity_bound(&mut model, &sequences, &options).unwrap();
    assert_eq!(report.tokens, expected_tokens);
    let mut recorder = KnowsTruth::new(vocab, 0.5);
    perplexity_bound(&mut recorder, &sequences, &options).unwrap();
    for (canvas, positions) in recorder.seen() {
        for p in positions {
            assert!(
                p >= 10 && sequences[0][p] != protected,
                "masked position {p}"
            );
        }
        assert_eq!(&canvas[..10], &sequences[0][..10]);
    }
}

#[test]
fn nodes_with_nothing_masked_contribute_zero() {
    // One maskable token: at small t it is rarely masked; those nodes must add 0, not NaN.
    let sequences = vec![vec![3u32]];
    let mut model = Uniform { vocab: 8, calls: 0 };
    let one_per_call = MaskingOptions::new(MASK).with_batch_size(1);
    let options = BoundOptions::new(MASK).with_masking(one_per_call);
    let report = perplexity_bound(&mut model, &sequences, &options).unwrap();
    assert!(report.nll_per_token.is_finite());
    let empty: Vec<_> = report
        .per_node
        .iter()
        .filter(|n| n.masked_tokens == 0)
        .collect();
    assert!(
        !empty.is_empty(),
        "every node masked the token; pick another case"
    );
    assert!(
        empty
            .iter()
            .all(|n| n.loss == 0.0 && n.masked_cross_entropy == 0.0)
    );
    assert_eq!(report.nfe, report.per_node.len() - empty.len());
    assert!((report.nll_per_token - recomputed(&report, 8f64.ln())).abs() < 1e-12);
}

#[test]
fn fixed_rate_schedule_is_a_clear_error() {
    let options = BoundOptions::new(MASK).with_schedule(Arc::new(FixedRate::new(0.15).unwrap()));
    let err = perplexity_bound(
        &mut Uniform { vocab: 8, calls: 0 },
        &[vec![1, 2, 3]],
        &options,
    )
    .unwrap_err();
    assert!(matches!(err, EvalError::NoElboWeight { .. }), "{err}");
    let message = err.to_string();
    for needle in [
        "fixed:0.15",
        "diffusion schedule",
        "linear",
        "measuring tape",
    ] {
        assert!(message.contains(needle), "{message}");
    }
}

#[test]
fn spindle_schedule_is_a_clear_error() {
    // Its per-token rates have per-token ELBO weights; the envelope's 1/t is not a bound.
    let counts = ScheduleContext::with_token_counts(vec![0, 1_000_000, 1]);
    let schedule: Arc<dyn MaskSchedule> = Arc::from(
        ScheduleRegistry::with_builtins()
            .build("spindle:0.3", &counts)
            .unwrap(),
    );
    let options = BoundOptions::new(MASK).with_schedule(schedule);
    let err = perplexity_bound(
        &mut Uniform { vocab: 8, calls: 0 },
        &[vec![1, 2, 1]],
        &options,
    )
    .unwrap_err();
    assert!(matches!(err, EvalError::NoElboWeight { .. }), "{err}");
    let message = err.to_string();
    for needle in ["spindle:0.3", "per-token", "linear"] {
        assert!(message.contains(needle), "{message}");
    }
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let mut model = Uniform { vocab: 8, calls: 0 };
    let options = BoundOptions::new(MASK);
    let err = perplexity_bound(&mut model, &[], &options).unwrap_err();
    assert!(matches!(err, EvalError::NoMaskableTokens { .. }), "{err}");
    let err = perplexity_bound(&mut model, &[vec![1, 9]], &options).unwrap_err();
    assert!(
        matches!(err, EvalError::TokenOutOfVocabulary { token: 9, .. }),
        "{err}"
    );
    let zero_batch = options
        .clone()
        .with_masking(MaskingOptions::new(MASK).with_batch_size(0));
    assert!(perplexity_bound(&mut model, &[vec![1]], &zero_batch).is_err());
    let zero_nodes = options.clone().with_quadrature_nodes(0);
    assert!(perplexity_bound(&mut model, &[vec![1]], &zero_nodes).is_err());
    let prompt_only = options.with_masking(MaskingOptions::new(MASK).with_prompt_len(5));
    assert!(matches!(
        perplexity_bound(&mut model, &[vec![1, 2]], &prompt_only),
        Err(EvalError::NoMaskableTokens { prompt_len: 5 })
    ));
}

#[test]
fn report_round_trips_through_json() {
    let sequences = held_out(2, 10, 6);
    let report = perplexity_bound(
        &mut Uniform { vocab: 6, calls: 0 },
        &sequences,
        &BoundOptions::new(MASK),
    )
    .unwrap();
    let json = serde_json::to_string(&report).unwrap();
    let back: BoundReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back.per_node.len(), report.per_node.len());
    assert!((back.nll_per_token - report.nll_per_token).abs() < 1e-12);
}

#[test]
fn offset_schedule_reads_low_by_its_offset() {
    // linear:0.1 already masks 10% at t = 0; its weights integrate to 0.9, so a uniform model
    // scores 0.9 ln V (docs/evaluation.md).
    let vocab = 40;
    let sequences = held_out(64, 128, vocab);
    let schedule = Arc::new(Linear::new(0.1).unwrap());
    let options = BoundOptions::new(MASK).with_schedule(schedule.clone());
    let report = perplexity_bound(&mut Uniform { vocab, calls: 0 }, &sequences, &options).unwrap();
    let expected = 0.9 * (vocab as f64).ln();
    let sigma = masking_sigma(schedule.as_ref(), 16, report.tokens, (vocab as f64).ln());
    assert!(
        (report.nll_per_token - expected).abs() < 4.0 * sigma,
        "{}",
        report.nll_per_token
    );
    assert!((report.nll_per_token - (vocab as f64).ln()).abs() > 4.0 * sigma);
}
