//! Properties every built-in schedule must have, over random parameters and times.

use proptest::prelude::*;
use unmask_schedule::{
    LogLinear, LossWeighting, MaskSchedule, ScheduleContext, ScheduleRegistry, Spindle, TimeSampler,
};

/// A spec string for any built-in schedule with random parameters, plus token counts
/// (used by spindle, ignored by the rest).
fn builtin_spec() -> impl Strategy<Value = String> {
    prop_oneof![
        (0.001f64..=1.0).prop_map(|rate| format!("fixed:{rate}")),
        (1u32..300).prop_map(|levels| format!("levels:{levels}")),
        Just("linear".to_string()),
        (0.0f64..0.5).prop_map(|eps| format!("linear:{eps}")),
        (0.0f64..0.5).prop_map(|eps| format!("loglinear:{eps}")),
        Just("cosine".to_string()),
        (0.0f64..0.5).prop_map(|eps| format!("cosine-mdlm:{eps}")),
        (0.0f64..=1.0).prop_map(|lambda| format!("spindle:{lambda}")),
    ]
}

fn counts() -> impl Strategy<Value = Vec<u64>> {
    prop::collection::vec(0u64..1_000_000, 1..64)
        .prop_filter("at least one token seen", |c| c.iter().any(|&n| n > 0))
}

fn build(spec: &str, counts: &[u64]) -> Box<dyn MaskSchedule> {
    let context = ScheduleContext::with_token_counts(counts.to_vec());
    ScheduleRegistry::with_builtins()
        .build(spec, &context)
        .unwrap_or_else(|e| panic!("{spec}: {e}"))
}

fn central_difference(schedule: &dyn MaskSchedule, t: f64) -> f64 {
    let h = 1e-6;
    (schedule.alpha(t + h) - schedule.alpha(t - h)) / (2.0 * h)
}

proptest! {
    #[test]
    fn rates_lie_in_unit_interval(
        spec in builtin_spec(),
        counts in counts(),
        t in 0.0f64..=1.0,
        tokens in prop::collection::vec(0u32..80, 1..40),
    ) {
        let schedule = build(&spec, &counts);
        let rate = schedule.mask_rate(t);
        prop_assert!((0.0..=1.0).contains(&rate), "{spec} at {t}: {rate}");
        let mut out = vec![f64::NAN; tokens.len()];
        schedule.token_mask_rates(t, &tokens, &mut out);
        for r in out {
            prop_assert!((0.0..=1.0).contains(&r), "{spec} at {t}: token rate {r}");
        }
    }

    #[test]
    fn rates_do_not_decrease_with_time(
        spec in builtin_spec(),
        counts in counts(),
        a in 0.0f64..=1.0,
        b in 0.0f64..=1.0,
        tokens in prop::collection::vec(0u32..80, 1..40),
    ) {
        let (early, late) = if a <= b { (a, b) } else { (b, a) };
        let schedule = build(&spec, &counts);
        prop_assert!(schedule.mask_rate(early) <= schedule.mask_rate(late) + 1e-12, "{spec}");
        let mut at_early = vec![0.0; tokens.len()];
        let mut at_late = vec![0.0; tokens.len()];
        schedule.token_mask_rates(early, &tokens, &mut at_early);
        schedule.token_mask_rates(late, &tokens, &mut at_late);
        for (e, l) in at_early.iter().zip(&at_late) {
            prop_assert!(e <= &(l + 1e-12), "{spec}: {e} at {early} > {l} at {late}");
        }
    }

    #[test]
    fn names_rebuild_the_same_schedule(spec in builtin_spec(), counts in counts(), t in 0.0f64..=1.0) {
        let schedule = build(&spec, &counts);
        let rebuilt = build(&schedule.name(), &counts);
        prop_assert_eq!(rebuilt.name(), schedule.name());
        prop_assert_eq!(rebuilt.mask_rate(t), schedule.mask_rate(t));
    }

    #[test]
    fn elbo_weights_are_finite_non_negative_and_capped(
        spec in builtin_spec(),
        counts in counts(),
        t in 0.0f64..=1.0,
    ) {
        let schedule = build(&spec, &counts);
        match LossWeighting::Elbo.weight(schedule.as_ref(), t) {
            Ok(w) => prop_assert!((0.0..=unmask_schedule::MAX_ELBO_WEIGHT).contains(&w)),
            // Neither a fixed rate nor spindle's per-token rates have a scalar ELBO weight.
            Err(e) => prop_assert!(
                spec.starts_with("fixed") || spec.starts_with("spindle"),
                "{spec}: {e}"
            ),
        }
    }

    #[test]
    fn linear_elbo_weight_is_inverse_time(t in 1e-6f64..=1.0) {
        let linear = build("linear", &[1]);
        let w = linear.elbo_weight(t).unwrap();
        prop_assert!((w - 1.0 / t).abs() <= 1e-12 * (1.0 / t), "{w} vs {}", 1.0 / t);
        let loglinear = LogLinear::default();
        let w = loglinear.elbo_weight(t).unwrap();
        prop_assert!((w - 1.0 / t).abs() <= 1e-9 * (1.0 / t));
    }

    #[test]
    fn derivatives_match_finite_differences(eps in 0.0f64..0.5, t in 0.01f64..0.99) {
        for spec in [
            format!("loglinear:{eps}"),
            format!("linear:{eps}"),
            "cosine".to_string(),
            format!("cosine-mdlm:{eps}"),
        ] {
            let schedule = build(&spec, &[1]);
            let numeric = central_difference(schedule.as_ref(), t);
            let exact = schedule.alpha_derivative(t);
            prop_assert!((numeric - exact).abs() < 1e-6, "{spec} at {t}: {numeric} vs {exact}");
        }
    }

    #[test]
    fn antithetic_times_are_evenly_spread(eps in 0.0f64..0.5, n in 1usize..300, seed: u64) {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut times = TimeSampler::antithetic(eps).unwrap().sample(n, &mut rng);
        prop_assert_eq!(times.len(), n);
        for &t in &times {
            prop_assert!(t >= eps && t <= 1.0, "{t}");
        }
        times.sort_by(f64::total_cmp);
        let gap = (1.0 - eps) / n as f64;
        for pair in times.windows(2) {
            prop_assert!((pair[1] - pair[0] - gap).abs() < 1e-9, "{times:?}");
        }
        // The gap across the wrap-around (last -> 1 -> eps -> first) closes the circle.
        let wrap = (1.0 - times[n - 1]) + (times[0] - eps);
        prop_assert!((wrap - gap).abs() < 1e-9, "{times:?}");
    }

    #[test]
    fn iid_times_lie_in_range(eps in 0.0f64..0.5, n in 0usize..300, seed: u64) {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let times = TimeSampler::iid(eps).unwrap().sample(n, &mut rng);
        prop_assert_eq!(times.len(), n);
        for t in times {
            prop_assert!(t >= eps && t < 1.0, "{t}");
        }
    }

    #[test]
    fn spindle_average_tracks_the_envelope(
        lambda in 0.0f64..=1.0,
        counts in counts(),
        tokens in prop::collection::vec(0u32..80, 1..60),
        t in 0.0f64..=1.0,
    ) {
        let schedule = Spindle::new(lambda, &counts).unwrap();
        let mut rates = vec![0.0; tokens.len()];
        schedule.token_mask_rates(t, &tokens, &mut rates);
        let average = rates.iter().sum::<f64>() / rates.len() as f64;
        // Exact without clipping; clipping moves each survival by <= lambda sin(pi t) + 0.001.
        let bound = lambda * (std::f64::consts::PI * t).sin() + 0.001 + 1e-12;
        prop_assert!((average - t).abs() <= bound, "average {average} at t = {t}");
    }

    #[test]
    fn spindle_average_is_exact_away_from_the_clip(
        lambda in 0.0f64..=0.3,
        counts in counts(),
        tokens in prop::collection::vec(0u32..80, 1..60),
        t in 0.2f64..=0.8,
    ) {
        let schedule = Spindle::new(lambda, &counts).unwrap();
        let mut rates = vec![0.0; tokens.len()];
        schedule.token_mask_rates(t, &tokens, &mut rates);
        let average = rates.iter().sum::<f64>() / rates.len() as f64;
        prop_assert!((average - t).abs() < 1e-12, "average {average} at t = {t}");
    }

    #[test]
    fn spindle_frequent_tokens_survive_longer(
        lambda in 0.0f64..=1.0,
        counts in counts(),
        tokens in prop::collection::vec(0u32..80, 2..60),
        t in 0.0f64..=1.0,
    ) {
        let schedule = Spindle::new(lambda, &counts).unwrap();
        let mut rates = vec![0.0; tokens.len()];
        schedule.token_mask_rates(t, &tokens, &mut rates);
        let count = |id: u32| counts.get(id as usize).copied().unwrap_or(0);
        for i in 0..tokens.len() {
            for j in 0..tokens.len() {
                if count(tokens[i]) > count(tokens[j]) {
                    prop_assert!(rates[i] <= rates[j] + 1e-12);
                }
            }
        }
    }
}

#[test]
fn spindle_strictly_favours_frequent_tokens_mid_run() {
    // counts 1 vs 1e6: w = ln 2 / ln(1e6 + 1) vs 1.
    let schedule = Spindle::new(0.3, &[1, 1_000_000]).unwrap();
    let mut rates = [0.0; 2];
    schedule.token_mask_rates(0.5, &[0, 1], &mut rates);
    assert!(rates[1] < rates[0] - 0.1, "{rates:?}");
}
