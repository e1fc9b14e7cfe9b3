//! GPT-2's decoding draws through the sampler crate's token sampler: greedy, temperature,
//! top-k and top-p as transformers defines them, seeded, and a clear error for bad logits.

use std::collections::BTreeSet;

use proptest::prelude::*;
use unmask_gpt2::{GenerateOptions, Gpt2Error, TokenSampler};

fn sampler(temperature: f32, top_k: Option<usize>, top_p: Option<f32>, seed: u64) -> TokenSampler {
    TokenSampler::new(&GenerateOptions {
        temperature,
        top_k,
        top_p,
        seed,
        ..GenerateOptions::default()
    })
    .unwrap()
}

fn counts(sampler: &mut TokenSampler, logits: &[f32], draws: usize) -> Vec<usize> {
    let mut counts = vec![0; logits.len()];
    for _ in 0..draws {
        counts[sampler.pick(&mut logits.to_vec()).unwrap() as usize] += 1;
    }
    counts
}

/// softmax(ln p) = p.
fn logits(probs: &[f64]) -> Vec<f32> {
    probs.iter().map(|p| p.ln() as f32).collect()
}

fn drawn(counts: &[usize]) -> Vec<usize> {
    (0..counts.len()).filter(|&i| counts[i] > 0).collect()
}

#[test]
fn greedy_takes_the_first_largest_logit() {
    let mut greedy = sampler(0.0, None, None, 0);
    assert_eq!(greedy.pick(&mut [1.0, 5.0, 5.0, 0.0]).unwrap(), 1);
}

#[test]
fn frequencies_follow_the_probabilities() {
    let probs = [0.1, 0.4, 0.2, 0.3];
    let n = 20_000;
    let got = counts(&mut sampler(1.0, None, None, 7), &logits(&probs), n);
    for (count, p) in got.iter().zip(probs) {
        assert!((*count as f64 / n as f64 - p).abs() < 0.015, "{got:?}");
    }
    // T = 0.5 squares the odds: 0.8/0.2 becomes 0.64/0.04.
    let got = counts(&mut sampler(0.5, None, None, 7), &logits(&[0.8, 0.2]), n);
    let want = 0.64 / 0.68;
    assert!((got[0] as f64 / n as f64 - want).abs() < 0.015, "{got:?}");
}

#[test]
fn hand_computed_top_k_and_top_p() {
    let row = logits(&[0.1, 0.4, 0.2, 0.3]);
    let n = 4_000;
    let top2 = counts(&mut sampler(1.0, Some(2), None, 1), &row, n);
    assert_eq!(drawn(&top2), vec![1, 3]);
    assert!(
        (top2[1] as f64 / n as f64 - 0.4 / 0.7).abs() < 0.03,
        "{top2:?}"
    );
    // 0.4 < 0.5 <= 0.4 + 0.3: two tokens; exactly reaching p keeps no more.
    for (p, want) in [
        (0.5, vec![1, 3]),
        (0.7, vec![1, 3]),
        (0.71, vec![1, 2, 3]),
        (0.01, vec![1]),
    ] {
        let got = counts(&mut sampler(1.0, None, Some(p), 2), &row, n);
        assert_eq!(drawn(&got), want, "top_p {p}");
    }
    // top-p applies to the renormalised top-k: among {0.4, 0.3}, 0.4/0.7 = 0.57 >= 0.55.
    let both = counts(&mut sampler(1.0, Some(2), Some(0.55), 3), &row, 500);
    assert_eq!(drawn(&both), vec![1]);
}

#[test]
fn ties_keep_the_lower_ids() {
    let got = counts(
        &mut sampler(1.0, Some(2), None, 4),
        &[1.0, 5.0, 5.0, 5.0, 0.0],
        2_000,
    );
    assert_eq!(drawn(&got), vec![1, 2]);
}

#[test]
fn bad_logits_are_an_error_not_a_token() {
    let mut s = sampler(1.0, None, None, 0);
    let err = s.pick(&mut [0.0, f32::NAN, 1.0]).unwrap_err();
    assert!(matches!(err, Gpt2Error::Sampling(_)), "{err}");
    assert!(err.to_string().contains("NaN"), "{err}");
    let err = s.pick(&mut [f32::NEG_INFINITY; 3]).unwrap_err();
    assert!(err.to_string().contains("nothing can be sampled"), "{err}");
}

#[test]
fn invalid_options_are_refused() {
    for opts in [
        GenerateOptions {
            top_k: Some(0),
            ..GenerateOptions::default()
        },
        GenerateOptions {
            top_p: Some(0.0),
            ..GenerateOptions::default()
        },
        GenerateOptions {
            temperature: -1.0,
            ..GenerateOptions::default()
        },
    ] {
        assert!(matches!(
            TokenSampler::new(&opts),
            Err(Gpt2Error::Options(_))
        ));
    }
}

proptest! {
    /// A drawn token is always among the `top_k` largest logits and inside the top-p nucleus
    /// of the renormalised top-k distribution; the same seed draws the same tokens.
    #[test]
    fn draws_stay_in_the_kept_set(
        row in prop::collection::vec(-20.0f32..20.0, 1..64),
        temperature in 0.05f32..5.0,
        top_k in 1usize..80,
        top_p in 0.01f32..=1.0,
        seed in any::<u64>(),
    ) {
        let mut order: Vec<usize> = (0..row.len()).collect();
        order.sort_by(|&a, &b| row[b].total_cmp(&row[a]).then(a.cmp(&b)));
        order.truncate(top_k);
        let weights: Vec<f64> = order
            .iter()
            .map(|&i| (((row[i] - row[order[0]]) / temperature) as f64).exp())
            .collect();
        let total: f64 = weights.iter().sum();
        let mut kept = BTreeSet::new();
        let mut cumulative = 0.0;
        for (&i, w) in order.iter().zip(&weights) {
            kept.insert(i);
            cumulative += w / total;
            // (A token whose inclusion float rounding decides may be kept.)
            if cumulative >= top_p as f64 + 1e-4 {
                break;
            }
        }
        let mut a = sampler(temperature, Some(top_k), Some(top_p), seed);
        let mut b = sampler(temperature, Some(top_k), Some(top_p), seed);
        for _ in 0..20 {
            let token = a.pick(&mut row.clone()).unwrap();
            prop_assert!(kept.contains(&(token as usize)), "{} outside {:?}", token, kept);
            prop_assert_eq!(token, b.pick(&mut row.clone()).unwrap());
        }
    }
}
