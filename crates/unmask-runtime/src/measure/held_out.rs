//! The held-out text a model is measured on: one split of a corpus (by default its test
//! split, the validation split for Hub corpora), as token blocks for each tokenizer, as text
//! prompts and as stretches of real text.

use anyhow::{Result, bail};
use unmask_text::{BlockPacker, CorpusSpec, Split, TextTokenizer};

pub struct HeldOut {
    /// The corpus as given (`sotu`, a path, `hf:OWNER/NAME`).
    pub corpus: String,
    pub split: &'static str,
    pub documents: Vec<String>,
}

/// The splits a Hub corpus has (its Parquet export's `train` and `validation`).
const HUB_SPLITS: [Split; 2] = [Split::Train, Split::Validation];

impl HeldOut {
    /// The default held-out split of `corpus`: `test`, or `validation` for `hf:` corpora
    /// (the Hub's Parquet export has no test split here).
    pub fn default_split(corpus: &str) -> Split {
        if corpus.starts_with("hf:") {
            Split::Validation
        } else {
            Split::Test
        }
    }

    /// A split by name: `train`, `validation` or `test`.
    pub fn parse_split(name: &str) -> Result<Split> {
        Split::ALL
            .into_iter()
            .find(|s| s.name() == name.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "`{name}` is not a split; a corpus has the splits train, validation and test"
                )
            })
    }

    /// The [`HeldOut::default_split`] of `corpus`.
    pub fn load(corpus: &str) -> Result<Self> {
        Self::load_split(corpus, Self::default_split(corpus))
    }

    /// The documents of `split` of `corpus`; a split the corpus does not have, or an empty
    /// one, is an error naming both.
    pub fn load_split(corpus: &str, split: Split) -> Result<Self> {
        let documents: Vec<String> = if corpus.starts_with("hf:") {
            if !HUB_SPLITS.contains(&split) {
                bail!(
                    "{corpus} has no {split} split: a Hub corpus is read as its train and \
                     validation splits (use --split validation)"
                );
            }
            let splits = unmask_train::data::load_splits(corpus)?;
            let docs = match split {
                Split::Train => splits.train,
                _ => splits.validation,
            };
            docs.into_iter().map(|d| d.text).collect()
        } else {
            let loaded = CorpusSpec::parse(corpus)?.load()?;
            loaded
                .nonempty_split(split)?
                .into_iter()
                .map(|d| d.text.clone())
                .collect()
        };
        Ok(Self {
            corpus: corpus.to_string(),
            split: split.name(),
            documents,
        })
    }

    /// `n` blocks of `block_len` tokens of the held-out text under `tokenizer`, spread
    /// evenly over the whole split (every block when it has `n` or fewer; see
    /// [`HeldOut::exactly_blocks`]).
    pub fn blocks(
        &self,
        tokenizer: &TextTokenizer,
        block_len: usize,
        n: usize,
    ) -> Result<Vec<Vec<u32>>> {
        let packed = BlockPacker::new(block_len)?.pack(tokenizer, &self.documents, "held-out")?;
        let all: Vec<&[u32]> = packed.blocks.blocks().collect();
        if all.is_empty() {
            bail!(
                "the {} split of {} has less than one block of {block_len} tokens",
                self.split,
                self.corpus
            );
        }
        Ok(spread(all.len(), n)
            .into_iter()
            .map(|i| all[i].to_vec())
            .collect())
    }

    /// [`HeldOut::blocks`], but a split with fewer than `n` blocks is an error that says how
    /// many it has: what a user who asked for `n` blocks is told.
    pub fn exactly_blocks(
        &self,
        tokenizer: &TextTokenizer,
        block_len: usize,
        n: usize,
    ) -> Result<Vec<Vec<u32>>> {
        let blocks = self.blocks(tokenizer, block_len, n)?;
        if blocks.len() < n {
            bail!(
                "the {} split of {} holds {} blocks of {block_len} tokens under this model's \
                 tokenizer; {n} were asked for: ask for fewer blocks (--blocks), shorter ones \
                 (--block-len) or use a larger corpus",
                self.split,
                self.corpus,
                blocks.len()
            );
        }
        Ok(blocks)
    }

    /// `n` stretches of real held-out text, each the `words` words that follow one of the
    /// prompts' positions: the reference row that generated samples are compared with.
    pub fn reference_texts(&self, n: usize, words: usize) -> Vec<String> {
        let all: Vec<&str> = self
            .documents
            .iter()
            .flat_map(|d| d.split_whitespace())
            .collect();
        let stretches = all.len() / words.max(1);
        spread(stretches, n)
            .into_iter()
            .map(|i| all[i * words..(i + 1) * words].join(" "))
            .collect()
    }

    /// The control row beside real text: each text's own words in a shuffled order
    /// (seeded), so every word statistic but order is real text's. Word salad scores here.
    pub fn shuffled_words(texts: &[String], seed: u64) -> Vec<String> {
        use rand::SeedableRng;
        use rand::seq::SliceRandom;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        texts
            .iter()
            .map(|text| {
                let mut words: Vec<&str> = text.split_whitespace().collect();
                words.shuffle(&mut rng);
                words.join(" ")
            })
            .collect()
    }

    /// `n` prompts of `words` words spread evenly over the held-out text: the start of each
    /// stretch of `2 * words` words of a paragraph (so a prompt never ends a paragraph).
    pub fn prompts(&self, n: usize, words: usize) -> Result<Vec<String>> {
        let stretch = 2 * words.max(1);
        let candidates: Vec<String> = self
            .documents
            .iter()
            .flat_map(|d| d.lines())
            .flat_map(|line| {
                let w: Vec<&str> = line.split_whitespace().collect();
                (0..w.len() / stretch)
                    .map(|k| w[k * stretch..k * stretch + words].join(" "))
                    .collect::<Vec<_>>()
            })
            .collect();
        if candidates.len() < n {
            bail!(
                "the held-out split has room for {} prompts of {words} words; {n} were asked",
                candidates.len()
            );
        }
        let stride = candidates.len() / n;
        Ok((0..n).map(|i| candidates[i * stride].clone()).collect())
    }
}

/// `n` indices spread evenly over `0..len` (all of them when `len <= n`).
fn spread(len: usize, n: usize) -> Vec<usize> {
    if len <= n {
        return (0..len).collect();
    }
    (0..n).map(|i| i * len / n).collect()
}

/// Whitespace-separated words: the unit that makes models with different tokenizers
/// comparable.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_are_named() {
        assert_eq!(HeldOut::parse_split("Test").unwrap(), Split::Test);
        assert_eq!(
            HeldOut::parse_split("validation").unwrap(),
            Split::Validation
        );
        let err = HeldOut::parse_split("dev").unwrap_err().to_string();
        assert!(err.contains("`dev` is not a split"), "{err}");
        assert_eq!(HeldOut::default_split("hf:a/b"), Split::Validation);
        assert_eq!(HeldOut::default_split("sotu"), Split::Test);
    }

    #[test]
    fn spread_covers_the_whole_range() {
        assert_eq!(spread(10, 3), vec![0, 3, 6]);
        assert_eq!(spread(3, 5), vec![0, 1, 2]);
        assert_eq!(spread(100, 4), vec![0, 25, 50, 75]);
    }

    #[test]
    fn shuffled_words_keep_each_texts_words() {
        let texts = vec!["a b c d e f g h".to_string(), "one two three".to_string()];
        let shuffled = HeldOut::shuffled_words(&texts, 3);
        assert_eq!(shuffled, HeldOut::shuffled_words(&texts, 3));
        assert_ne!(shuffled[0], texts[0]);
        for (a, b) in texts.iter().zip(&shuffled) {
            let mut x: Vec<&str> = a.split_whitespace().collect();
            let mut y: Vec<&str> = b.split_whitespace().collect();
            x.sort_unstable();
            y.sort_unstable();
            assert_eq!(x, y);
        }
    }

    #[test]
    fn reference_texts_are_spread_word_stretches() {
        let held_out = HeldOut {
            corpus: "test".into(),
            split: "test",
            documents: vec!["a b c d e f".into(), "g h i j k l".into()],
        };
        assert_eq!(held_out.reference_texts(2, 3), vec!["a b c", "g h i"]);
        assert_eq!(
            held_out.reference_texts(3, 4),
            vec!["a b c d", "e f g h", "i j k l"]
        );
    }
}
