use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::ngrams::{distinct_ngrams, ngram_count, repeated_ngram_rate};
use crate::{unigram_entropy, unigram_entropy_nats};

/// Repetition statistics of one n-gram order over a set of samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NgramStats {
    pub n: usize,
    /// Mean over samples with at least one n-gram of [`repeated_ngram_rate`].
    pub mean_repeated_rate: f64,
    /// Distinct n-grams of all samples together over their total n-grams (corpus distinct-n);
    /// n-grams do not span sample boundaries.
    pub pooled_distinct: f64,
}

/// Diversity statistics of generated samples, on token ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleStats {
    pub samples: usize,
    pub tokens: usize,
    /// Mean over samples of each sample's [`unigram_entropy`], in bits: the number reported
    /// beside generative perplexity.
    pub mean_unigram_entropy_bits: f64,
    /// The same in nats.
    pub mean_unigram_entropy_nats: f64,
    /// Entropy of all samples' tokens pooled, in bits (higher than the mean when samples
    /// differ from each other).
    pub pooled_unigram_entropy_bits: f64,
    /// n = 1..=4.
    pub ngrams: Vec<NgramStats>,
}

impl SampleStats {
    pub const NGRAM_ORDERS: [usize; 4] = [1, 2, 3, 4];

    /// [`NgramStats::mean_repeated_rate`] of order `n`; `None` for an order not computed.
    pub fn repeated_rate(&self, n: usize) -> Option<f64> {
        self.ngrams
            .iter()
            .find(|g| g.n == n)
            .map(|g| g.mean_repeated_rate)
    }

    pub fn from_samples(samples: &[Vec<u32>]) -> Self {
        let count = samples.len();
        let mean = |values: &mut dyn Iterator<Item = f64>, over: usize| {
            if over == 0 {
                0.0
            } else {
                values.sum::<f64>() / over as f64
            }
        };
        let pooled: Vec<u32> = samples.iter().flatten().copied().collect();
        let ngrams = Self::NGRAM_ORDERS
            .iter()
            .map(|&n| {
                let long_enough: Vec<&Vec<u32>> = samples
                    .iter()
                    .filter(|sample| ngram_count(sample, n) > 0)
                    .collect();
                let mean_repeated_rate = mean(
                    &mut long_enough.iter().map(|s| repeated_ngram_rate(s, n)),
                    long_enough.len(),
                );
                let total: usize = samples.iter().map(|s| ngram_count(s, n)).sum();
                let distinct: HashSet<&[u32]> =
                    samples.iter().flat_map(|s| distinct_ngrams(s, n)).collect();
                NgramStats {
                    n,
                    mean_repeated_rate,
                    pooled_distinct: if total == 0 {
                        0.0
                    } else {
                        distinct.len() as f64 / total as f64
                    },
                }
            })
            .collect();
        Self {
            samples: count,
            tokens: pooled.len(),
            mean_unigram_entropy_bits: mean(&mut samples.iter().map(|s| unigram_entropy(s)), count),
            mean_unigram_entropy_nats: mean(
                &mut samples.iter().map(|s| unigram_entropy_nats(s)),
                count,
            ),
            pooled_unigram_entropy_bits: unigram_entropy(&pooled),
            ngrams,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregates_by_hand() {
        // sample 1: a b a b (entropy 1 bit), sample 2: c c c c (0 bits) -> mean 0.5;
        // pooled: a 2, b 2, c 4 of 8 -> 0.25 * 2 * 2 + 0.5 * 1 = 1.5 bits.
        let stats = SampleStats::from_samples(&[vec![1, 2, 1, 2], vec![3, 3, 3, 3]]);
        assert_eq!(stats.samples, 2);
        assert_eq!(stats.tokens, 8);
        assert!((stats.mean_unigram_entropy_bits - 0.5).abs() < 1e-12);
        assert!((stats.mean_unigram_entropy_nats - 0.5 * 2f64.ln()).abs() < 1e-12);
        assert!((stats.pooled_unigram_entropy_bits - 1.5).abs() < 1e-12);
        let bigrams = &stats.ngrams[1];
        assert_eq!(bigrams.n, 2);
        // repeated: 1 - 2/3 and 1 - 1/3; pooled distinct {ab, ba, cc} of 6.
        assert!((bigrams.mean_repeated_rate - 0.5).abs() < 1e-12);
        assert!((bigrams.pooled_distinct - 0.5).abs() < 1e-12);
        // 4-grams: one per sample, none repeated, 2 distinct of 2.
        assert_eq!(stats.ngrams[3].mean_repeated_rate, 0.0);
        assert_eq!(stats.ngrams[3].pooled_distinct, 1.0);
        assert_eq!(stats.repeated_rate(2), Some(bigrams.mean_repeated_rate));
        assert_eq!(stats.repeated_rate(5), None);
    }

    #[test]
    fn short_samples_are_left_out_of_long_ngram_means() {
        let stats = SampleStats::from_samples(&[vec![5], vec![1, 1, 1]]);
        // Only the second sample has bigrams: ab-rate 1 - 1/2.
        assert!((stats.ngrams[1].mean_repeated_rate - 0.5).abs() < 1e-12);
        let empty = SampleStats::from_samples(&[]);
        assert_eq!(empty.mean_unigram_entropy_bits, 0.0);
        assert_eq!(empty.ngrams[0].pooled_distinct, 0.0);
    }
}
