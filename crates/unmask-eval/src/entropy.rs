use std::collections::HashMap;

/// Entropy of the token-id frequencies of `tokens`, in bits: `-sum_v f_v log2 f_v` with
/// `f_v` the fraction of positions holding id `v`. 0 for empty or constant input; `log2 k`
/// for `k` ids equally often.
pub fn unigram_entropy(tokens: &[u32]) -> f64 {
    unigram_entropy_nats(tokens) / std::f64::consts::LN_2
}

/// [`unigram_entropy`] in nats (`ln` instead of `log2`).
pub fn unigram_entropy_nats(tokens: &[u32]) -> f64 {
    if tokens.is_empty() {
        return 0.0;
    }
    let mut counts: HashMap<u32, usize> = HashMap::new();
    for &token in tokens {
        *counts.entry(token).or_default() += 1;
    }
    let total = tokens.len() as f64;
    let entropy: f64 = counts
        .values()
        .map(|&count| {
            let frequency = count as f64 / total;
            -frequency * frequency.ln()
        })
        .sum();
    // -0.0 for a constant sequence reads oddly in reports.
    entropy.max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_over_k_ids_is_log2_k() {
        for k in [1u32, 2, 4, 5, 16, 1000] {
            let tokens: Vec<u32> = (0..3 * k).map(|i| (i % k) * 7 + 1).collect();
            let bits = unigram_entropy(&tokens);
            assert!((bits - (k as f64).log2()).abs() < 1e-12, "k = {k}: {bits}");
            let nats = unigram_entropy_nats(&tokens);
            assert!((nats - (k as f64).ln()).abs() < 1e-12);
        }
    }

    #[test]
    fn constant_and_empty_are_zero() {
        assert_eq!(unigram_entropy(&[42; 10]), 0.0);
        assert_eq!(unigram_entropy(&[]), 0.0);
    }

    #[test]
    fn hand_computed_skewed_case() {
        // frequencies 1/2, 1/4, 1/4: 0.5 * 1 + 2 * 0.25 * 2 = 1.5 bits
        assert!((unigram_entropy(&[1, 1, 2, 3]) - 1.5).abs() < 1e-12);
    }
}
