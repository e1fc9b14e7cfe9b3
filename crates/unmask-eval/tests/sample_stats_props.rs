use proptest::prelude::*;
use unmask_eval::{SampleStats, distinct_n, repeated_ngram_rate, unigram_entropy};

proptest! {
    #[test]
    fn entropy_is_between_zero_and_log2_of_distinct_ids(tokens in prop::collection::vec(0u32..20, 0..200)) {
        let entropy = unigram_entropy(&tokens);
        let mut ids = tokens.clone();
        ids.sort_unstable();
        ids.dedup();
        prop_assert!(entropy >= 0.0);
        prop_assert!(entropy <= (ids.len().max(1) as f64).log2() + 1e-9);
    }

    #[test]
    fn repetition_and_distinct_are_complementary_rates(
        tokens in prop::collection::vec(0u32..5, 0..100),
        n in 1usize..5,
    ) {
        let repeated = repeated_ngram_rate(&tokens, n);
        prop_assert!((0.0..1.0).contains(&repeated));
        if tokens.len() >= n {
            prop_assert!((repeated + distinct_n(&tokens, n) - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn one_sample_stats_equal_the_single_sequence_functions(tokens in prop::collection::vec(0u32..8, 1..60)) {
        let stats = SampleStats::from_samples(std::slice::from_ref(&tokens));
        prop_assert!((stats.mean_unigram_entropy_bits - unigram_entropy(&tokens)).abs() < 1e-12);
        prop_assert!((stats.pooled_unigram_entropy_bits - unigram_entropy(&tokens)).abs() < 1e-12);
        for ngram in &stats.ngrams {
            prop_assert!((ngram.pooled_distinct - distinct_n(&tokens, ngram.n)).abs() < 1e-12);
        }
    }
}
