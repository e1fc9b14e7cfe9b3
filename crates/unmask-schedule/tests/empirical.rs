//! Masking by a schedule's rates, drawn with a seeded generator, gives the fraction the
//! schedule promises; time samplers hit every discrete level equally often.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use unmask_schedule::{
    DiscreteLevels, MaskSchedule, ScheduleContext, ScheduleRegistry, TimeSampler,
};

const DRAWS: usize = 200_000;
const SEQUENCE: usize = 500;

/// Masks `DRAWS` tokens (rows of `SEQUENCE`) at time `t` with the per-token rates and
/// returns the fraction masked.
fn empirical_mask_fraction(schedule: &dyn MaskSchedule, t: f64, rng: &mut StdRng) -> f64 {
    let vocab = 50u32;
    let mut masked = 0usize;
    let mut rates = vec![0.0; SEQUENCE];
    for _ in 0..DRAWS / SEQUENCE {
        let tokens: Vec<u32> = (0..SEQUENCE).map(|_| rng.random_range(0..vocab)).collect();
        schedule.token_mask_rates(t, &tokens, &mut rates);
        masked += rates.iter().filter(|&&p| rng.random_bool(p)).count();
    }
    masked as f64 / DRAWS as f64
}

#[test]
fn empirical_mask_fraction_matches_the_schedule() {
    let counts: Vec<u64> = (0..50u64).map(|i| i * i * 37).collect();
    let context = ScheduleContext::with_token_counts(counts);
    let registry = ScheduleRegistry::with_builtins();
    let mut rng = StdRng::seed_from_u64(2024);
    let specs = [
        "fixed:0.15",
        "levels:10",
        "linear",
        "linear:0.001",
        "loglinear",
        "cosine",
        "cosine-mdlm",
        "spindle:0.3",
    ];
    // Spindle's average equals the envelope only where nothing is clipped (t in [0.2, 0.8]).
    for spec in specs {
        let schedule = registry.build(spec, &context).unwrap();
        for t in [0.23, 0.5, 0.77] {
            let expected = schedule.mask_rate(t);
            let measured = empirical_mask_fraction(schedule.as_ref(), t, &mut rng);
            let sigma = (expected * (1.0 - expected) / DRAWS as f64).sqrt();
            assert!(
                (measured - expected).abs() <= 5.0 * sigma + 1e-12,
                "{spec} at t = {t}: measured {measured}, expected {expected}"
            );
        }
    }
}

#[test]
fn time_samplers_visit_discrete_levels_uniformly() {
    let levels = DiscreteLevels::new(10).unwrap();
    let mut rng = StdRng::seed_from_u64(5);
    for sampler in [
        TimeSampler::iid(1e-3).unwrap(),
        TimeSampler::antithetic(1e-3).unwrap(),
    ] {
        let mut hits = [0usize; 11];
        for _ in 0..1000 {
            for t in sampler.sample(64, &mut rng) {
                hits[levels.level(t) as usize] += 1;
            }
        }
        assert_eq!(hits[0], 0, "t >= eps never lands on the clean level");
        let total = 64_000.0;
        for (level, &count) in hits.iter().enumerate().skip(1) {
            let share = count as f64 / total;
            assert!(
                (share - 0.1).abs() < 0.006,
                "{sampler}: level {level} share {share}"
            );
        }
    }
}
