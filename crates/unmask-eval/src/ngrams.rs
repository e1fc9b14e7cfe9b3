use std::collections::HashSet;

/// Number of n-grams (windows of `n` consecutive ids) in `tokens`: 0 for `n == 0` or input
/// shorter than `n`.
pub fn ngram_count(tokens: &[u32], n: usize) -> usize {
    if n == 0 {
        0
    } else {
        tokens.len().saturating_sub(n - 1).min(tokens.len())
    }
}

/// The distinct n-grams of `tokens`.
pub(crate) fn distinct_ngrams(tokens: &[u32], n: usize) -> HashSet<&[u32]> {
    if ngram_count(tokens, n) == 0 {
        return HashSet::new();
    }
    tokens.windows(n).collect()
}

/// `distinct n-grams / total n-grams` of `tokens` (distinct-n); 0 where there is no n-gram.
pub fn distinct_n(tokens: &[u32], n: usize) -> f64 {
    let total = ngram_count(tokens, n);
    if total == 0 {
        return 0.0;
    }
    distinct_ngrams(tokens, n).len() as f64 / total as f64
}

/// `1 - distinct n-grams / total n-grams`: the fraction of n-grams that repeat an earlier
/// one. 0 where there is no n-gram (too short to repeat anything).
pub fn repeated_ngram_rate(tokens: &[u32], n: usize) -> f64 {
    if ngram_count(tokens, n) == 0 {
        return 0.0;
    }
    1.0 - distinct_n(tokens, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABABAB: [u32; 6] = [1, 2, 1, 2, 1, 2];

    #[test]
    fn a_b_a_b_a_b_by_hand() {
        // unigrams: 6, distinct {a, b}; bigrams ab ba ab ba ab: 5, distinct 2;
        // trigrams aba bab aba bab: 4, distinct 2.
        assert!((repeated_ngram_rate(&ABABAB, 1) - (1.0 - 2.0 / 6.0)).abs() < 1e-15);
        assert!((repeated_ngram_rate(&ABABAB, 2) - 0.6).abs() < 1e-15);
        assert!((repeated_ngram_rate(&ABABAB, 3) - 0.5).abs() < 1e-15);
        assert!((distinct_n(&ABABAB, 2) - 0.4).abs() < 1e-15);
        assert_eq!(ngram_count(&ABABAB, 6), 1);
        assert_eq!(repeated_ngram_rate(&ABABAB, 6), 0.0);
    }

    #[test]
    fn too_short_or_zero_n_is_zero() {
        assert_eq!(repeated_ngram_rate(&[1, 2], 3), 0.0);
        assert_eq!(distinct_n(&[1, 2], 3), 0.0);
        assert_eq!(ngram_count(&[1, 2], 0), 0);
        assert_eq!(repeated_ngram_rate(&[1, 2], 0), 0.0);
        assert_eq!(repeated_ngram_rate(&[], 1), 0.0);
    }

    #[test]
    fn all_distinct_is_zero_repetition() {
        let tokens: Vec<u32> = (0..20).collect();
        for n in 1..=4 {
            assert_eq!(repeated_ngram_rate(&tokens, n), 0.0);
            assert_eq!(distinct_n(&tokens, n), 1.0);
        }
    }
}
