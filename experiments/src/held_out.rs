//! The held-out text every model is measured on: the corpus's test split (the validation
//! split for Hub corpora), as token blocks for each tokenizer and as text prompts.

use anyhow::{Result, bail};
use unmask_text::{BlockPacker, CorpusSpec, Split, TextTokenizer};

pub struct HeldOut {
    pub split: &'static str,
    pub documents: Vec<String>,
}

impl HeldOut {
    pub fn load(corpus: &str) -> Result<Self> {
        if corpus.starts_with("hf:") {
            let splits = unmask_train::data::load_splits(corpus)?;
            return Ok(Self {
                split: "validation",
                documents: splits.validation.into_iter().map(|d| d.text).collect(),
            });
        }
        let corpus = CorpusSpec::parse(corpus)?.load()?;
        let documents: Vec<String> = corpus
            .nonempty_split(Split::Test)?
            .into_iter()
            .map(|d| d.text.clone())
            .collect();
        Ok(Self {
            split: "test",
            documents,
        })
    }

    /// The first `n` blocks of `block_len` tokens of the held-out text under `tokenizer`.
    pub fn blocks(
        &self,
        tokenizer: &TextTokenizer,
        block_len: usize,
        n: usize,
    ) -> Result<Vec<Vec<u32>>> {
        let packed = BlockPacker::new(block_len)?.pack(tokenizer, &self.documents, "held-out")?;
        let blocks: Vec<Vec<u32>> = packed
            .blocks
            .blocks()
            .take(n)
            .map(<[u32]>::to_vec)
            .collect();
        if blocks.is_empty() {
            bail!("the held-out split has less than one block of {block_len} tokens");
        }
        Ok(blocks)
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

/// Whitespace-separated words: the unit that makes models with different tokenizers
/// comparable.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}
