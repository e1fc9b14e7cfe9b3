/// `-log softmax(logits)[target]` in nats, computed in f64 by the log-sum-exp trick.
///
/// `logits` may hold -inf (a token the model rules out, e.g. MDLM's mask logit); the caller
/// has checked there is no NaN or +inf and at least one finite value.
pub(crate) fn cross_entropy(logits: &[f32], target: usize) -> f64 {
    let max = logits
        .iter()
        .map(|&x| x as f64)
        .fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = logits.iter().map(|&x| (x as f64 - max).exp()).sum();
    max + sum.ln() - logits[target] as f64
}

/// The index of the largest logit; the lowest index wins ties.
pub(crate) fn argmax(logits: &[f32]) -> usize {
    let mut best = 0;
    for (index, &value) in logits.iter().enumerate() {
        if value > logits[best] {
            best = index;
        }
    }
    best
}

/// The first logit that is NaN or +inf, or `Some(-inf)` if all are -inf.
pub(crate) fn invalid_logit(logits: &[f32]) -> Option<(usize, f32)> {
    if let Some(found) = logits
        .iter()
        .enumerate()
        .find(|&(_, &x)| x.is_nan() || x == f32::INFINITY)
    {
        return Some((found.0, *found.1));
    }
    logits
        .iter()
        .all(|&x| x == f32::NEG_INFINITY)
        .then_some((0, f32::NEG_INFINITY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_logits_give_ln_vocab() {
        for vocab in [1, 2, 50, 50_265] {
            let logits = vec![3.5f32; vocab];
            let ce = cross_entropy(&logits, vocab - 1);
            assert!((ce - (vocab as f64).ln()).abs() < 1e-12, "{vocab}: {ce}");
        }
    }

    #[test]
    fn stable_for_huge_logits_and_exact_with_minus_infinity() {
        // Naive exp(1000) overflows; the gap is taken from the f32 values actually stored.
        let high = 1000.0f32 + 2f32.ln();
        let gap = high as f64 - 1000.0;
        let ce = cross_entropy(&[1000.0, high], 0);
        assert!((ce - gap.exp().ln_1p()).abs() < 1e-12, "{ce}");
        assert!((ce - 3f64.ln()).abs() < 1e-4, "{ce}");
        let ce = cross_entropy(&[f32::NEG_INFINITY, 0.0, f32::NEG_INFINITY], 1);
        assert_eq!(ce, 0.0);
        assert_eq!(cross_entropy(&[f32::NEG_INFINITY, 0.0], 0), f64::INFINITY);
    }

    #[test]
    fn hand_computed_two_token_case() {
        // softmax([0, ln 3]) = [1/4, 3/4]
        let logits = [0.0, 3f32.ln()];
        assert!((cross_entropy(&logits, 0) - 4f64.ln()).abs() < 1e-7);
        assert!((cross_entropy(&logits, 1) - (4.0f64 / 3.0).ln()).abs() < 1e-7);
        assert_eq!(argmax(&logits), 1);
        assert_eq!(argmax(&[2.0, 2.0, 1.0]), 0);
    }

    #[test]
    fn flags_nan_plus_infinity_and_all_minus_infinity() {
        assert_eq!(invalid_logit(&[0.0, f32::NEG_INFINITY]), None);
        assert_eq!(
            invalid_logit(&[0.0, f32::INFINITY]),
            Some((1, f32::INFINITY))
        );
        assert!(invalid_logit(&[f32::NAN, 0.0]).is_some());
        assert!(invalid_logit(&[f32::NEG_INFINITY; 2]).is_some());
    }
}
