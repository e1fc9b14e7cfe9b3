//! Top-k / top-p filtering and the sampler, on plain logits.

use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use unmask_gpt2::sampling::{argmax, filtered_probs, sample_index};

fn kept(probs: &[f32]) -> Vec<usize> {
    (0..probs.len()).filter(|&i| probs[i] > 0.0).collect()
}

#[test]
fn hand_computed_top_k_and_top_p() {
    // softmax(ln p) = p.
    let logits: Vec<f32> = [0.1f32, 0.4, 0.2, 0.3].iter().map(|p| p.ln()).collect();
    let all = filtered_probs(&logits, 1.0, None, None);
    for (got, want) in all.iter().zip([0.1, 0.4, 0.2, 0.3]) {
        assert!((got - want).abs() < 1e-6);
    }
    let top2 = filtered_probs(&logits, 1.0, Some(2), None);
    let want = [0.0, 0.4 / 0.7, 0.0, 0.3 / 0.7];
    assert!(
        top2.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-6),
        "{top2:?}"
    );
    // 0.4 < 0.5 <= 0.4 + 0.3: two tokens.
    assert_eq!(
        kept(&filtered_probs(&logits, 1.0, None, Some(0.5))),
        vec![1, 3]
    );
    // Exactly reaching p keeps no more: 0.4 + 0.3 = 0.7.
    assert_eq!(
        kept(&filtered_probs(&logits, 1.0, None, Some(0.69))),
        vec![1, 3]
    );
    assert_eq!(
        kept(&filtered_probs(&logits, 1.0, None, Some(0.71))),
        vec![1, 2, 3]
    );
    assert_eq!(
        kept(&filtered_probs(&logits, 1.0, None, Some(0.01))),
        vec![1]
    );
    // top-p applies to the renormalised top-k: among {0.4, 0.3}, 0.4/0.7 = 0.57 >= 0.55.
    assert_eq!(
        kept(&filtered_probs(&logits, 1.0, Some(2), Some(0.55))),
        vec![1]
    );
}

#[test]
fn temperature_sharpens_and_flattens() {
    let logits = [1.0f32, 2.0, 3.0];
    let cold = filtered_probs(&logits, 0.5, None, None);
    let hot = filtered_probs(&logits, 2.0, None, None);
    let plain = filtered_probs(&logits, 1.0, None, None);
    assert!(cold[2] > plain[2] && plain[2] > hot[2]);
    // softmax([2, 4, 6]) by hand.
    let z = 2f32.exp() + 4f32.exp() + 6f32.exp();
    assert!((cold[0] - 2f32.exp() / z).abs() < 1e-6);
}

#[test]
fn ties_keep_the_lower_ids() {
    let logits = [1.0f32, 5.0, 5.0, 5.0, 0.0];
    assert_eq!(
        kept(&filtered_probs(&logits, 1.0, Some(2), None)),
        vec![1, 2]
    );
    assert_eq!(argmax(&logits), 1);
    assert_eq!(argmax(&[f32::NAN, 0.5, 0.7]), 2);
}

#[test]
fn sampling_frequencies_follow_the_probabilities() {
    let probs = [0.1f32, 0.0, 0.2, 0.7];
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut counts = [0usize; 4];
    let n = 20_000;
    for _ in 0..n {
        counts[sample_index(&probs, &mut rng)] += 1;
    }
    assert_eq!(counts[1], 0, "a zero-probability token was drawn");
    for (count, p) in counts.iter().zip(probs) {
        let freq = *count as f32 / n as f32;
        assert!((freq - p).abs() < 0.015, "{counts:?}");
    }
}

fn logits_strategy() -> impl Strategy<Value = Vec<f32>> {
    prop::collection::vec(-20.0f32..20.0, 1..64)
}

proptest! {
    #[test]
    fn filtered_distribution_is_sound(
        logits in logits_strategy(),
        temperature in 0.05f32..5.0,
        top_k in prop::option::of(1usize..80),
        top_p in prop::option::of(0.01f32..=1.0),
    ) {
        let probs = filtered_probs(&logits, temperature, top_k, top_p);
        let keep = kept(&probs);
        prop_assert!(!keep.is_empty(), "nothing kept");
        prop_assert!(keep.len() <= top_k.unwrap_or(usize::MAX), "k not respected");
        let total: f64 = probs.iter().map(|&p| p as f64).sum();
        prop_assert!((total - 1.0).abs() < 1e-4, "sums to {}", total);
        // The kept tokens are the most probable ones: none dropped beats one kept.
        let min_kept = keep.iter().map(|&i| logits[i]).fold(f32::INFINITY, f32::min);
        let max_dropped = (0..logits.len())
            .filter(|i| probs[*i] == 0.0)
            .map(|i| logits[i])
            .fold(f32::NEG_INFINITY, f32::max);
        prop_assert!(max_dropped <= min_kept);
        // Kept tokens keep their relative odds.
        let base = filtered_probs(&logits, temperature, None, None);
        // (Among tokens whose probability is not near f32 underflow.)
        let normal: Vec<usize> = keep.iter().copied().filter(|&i| base[i] > 1e-20).collect();
        let (a, b) = (normal[0], normal[normal.len() - 1]);
        let ratio = (probs[a] / probs[b]) / (base[a] / base[b]);
        prop_assert!((ratio - 1.0).abs() < 1e-3, "odds changed by {}", ratio);
    }

    #[test]
    fn top_p_keeps_the_smallest_set_reaching_p(
        logits in logits_strategy(),
        top_p in 0.01f32..0.999,
    ) {
        let base = filtered_probs(&logits, 1.0, None, None);
        let keep = kept(&filtered_probs(&logits, 1.0, None, Some(top_p)));
        let mass: f64 = keep.iter().map(|&i| base[i] as f64).sum();
        prop_assert!(mass >= top_p as f64 - 1e-5, "kept mass {} < p {}", mass, top_p);
        let smallest = keep.iter().map(|&i| base[i]).fold(f32::INFINITY, f32::min) as f64;
        prop_assert!(mass - smallest < top_p as f64 + 1e-5, "not minimal: {} without the smallest", mass - smallest);
    }

    #[test]
    fn samples_are_always_kept_tokens(
        logits in logits_strategy(),
        top_k in 1usize..10,
        seed in any::<u64>(),
    ) {
        let probs = filtered_probs(&logits, 1.0, Some(top_k), Some(0.9));
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for _ in 0..20 {
            let i = sample_index(&probs, &mut rng);
            prop_assert!(probs[i] > 0.0);
        }
    }
}
