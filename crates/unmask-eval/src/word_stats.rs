//! Statistics of generated text on whitespace words, so that models with different
//! tokenizers (bytes, BPE, WordPiece) and real text are measured in one unit: how many of the
//! words exist in the training text, and how varied and repetitive the word sequence is.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::SampleStats;

/// The distinct words of a training text, normalised by [`normalize_word`].
#[derive(Debug, Clone, Default)]
pub struct WordVocabulary {
    words: HashSet<String>,
}

/// Lower case, without the punctuation around the word (`"Congress,"` -> `congress`); an
/// empty string for a token with no letter or digit.
pub fn normalize_word(word: &str) -> String {
    word.trim_matches(|c: char| !c.is_alphanumeric())
        .to_lowercase()
}

impl WordVocabulary {
    pub fn from_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Self {
        let words = texts
            .into_iter()
            .flat_map(str::split_whitespace)
            .map(normalize_word)
            .filter(|w| !w.is_empty())
            .collect();
        Self { words }
    }

    pub fn len(&self) -> usize {
        self.words.len()
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    pub fn contains(&self, word: &str) -> bool {
        self.words.contains(&normalize_word(word))
    }
}

/// Word-level statistics of a set of texts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordStats {
    pub samples: usize,
    /// Mean whitespace words per text.
    pub mean_words: f64,
    /// Of the words with a letter or digit, the share found in the vocabulary: word-shaped
    /// text scores near the share of real held-out text, byte soup near zero.
    pub known_word_share: f64,
    /// Entropy and repeated n-grams over the sequence of normalised words.
    pub stats: SampleStats,
}

impl WordStats {
    pub fn from_texts(texts: &[String], vocabulary: &WordVocabulary) -> Self {
        let mut ids: HashMap<String, u32> = HashMap::new();
        let mut known = 0usize;
        let mut counted = 0usize;
        let mut total_words = 0usize;
        let sequences: Vec<Vec<u32>> = texts
            .iter()
            .map(|text| {
                text.split_whitespace()
                    .map(|word| {
                        total_words += 1;
                        let normal = normalize_word(word);
                        if !normal.is_empty() {
                            counted += 1;
                            known += usize::from(vocabulary.words.contains(&normal));
                        }
                        let next = ids.len() as u32;
                        // Punctuation-only tokens keep their own spelling as a word.
                        let key = if normal.is_empty() {
                            word.to_string()
                        } else {
                            normal
                        };
                        *ids.entry(key).or_insert(next)
                    })
                    .collect()
            })
            .collect();
        Self {
            samples: texts.len(),
            mean_words: if texts.is_empty() {
                0.0
            } else {
                total_words as f64 / texts.len() as f64
            },
            known_word_share: if counted == 0 {
                0.0
            } else {
                known as f64 / counted as f64
            },
            stats: SampleStats::from_samples(&sequences),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_case_and_surrounding_punctuation() {
        assert_eq!(normalize_word("Congress,"), "congress");
        assert_eq!(normalize_word("\"(U.S.)\""), "u.s");
        assert_eq!(normalize_word("--"), "");
        assert_eq!(normalize_word("don't"), "don't");
    }

    #[test]
    fn known_share_entropy_and_repetition_by_hand() {
        let vocabulary = WordVocabulary::from_texts(["The people of the United States."]);
        assert_eq!(vocabulary.len(), 5);
        assert!(vocabulary.contains("STATES!"));
        let texts = vec![
            // 4 words, 3 known (xqzt unknown); words the/people/the/xqzt -> entropy 1.5 bits.
            "The people, the xqzt".to_string(),
            // "--" has no letter: not counted for the share, but a word of the sequence.
            "of of of of of --".to_string(),
        ];
        let stats = WordStats::from_texts(&texts, &vocabulary);
        assert_eq!(stats.samples, 2);
        assert!((stats.mean_words - 5.0).abs() < 1e-12);
        assert!((stats.known_word_share - 8.0 / 9.0).abs() < 1e-12);
        let first = crate::unigram_entropy(&[0, 1, 0, 2]);
        assert!((first - 1.5).abs() < 1e-12);
        // Second text: of x5 then "--": entropy of (5/6, 1/6).
        let second = -(5.0f64 / 6.0) * (5.0f64 / 6.0).log2() - (1.0 / 6.0) * (1.0f64 / 6.0).log2();
        assert!((stats.stats.mean_unigram_entropy_bits - (first + second) / 2.0).abs() < 1e-12);
        // 4-grams of the second text: of-of-of-of twice, of-of-of-- once: 1 - 2/3 repeated.
        let rep4 = stats.stats.repeated_rate(4).unwrap();
        assert!((rep4 - (0.0 + 1.0 / 3.0) / 2.0).abs() < 1e-12, "{rep4}");
    }

    #[test]
    fn empty_input_is_all_zero() {
        let stats = WordStats::from_texts(&[], &WordVocabulary::default());
        assert_eq!(stats.samples, 0);
        assert_eq!(stats.known_word_share, 0.0);
        assert_eq!(stats.mean_words, 0.0);
    }
}
