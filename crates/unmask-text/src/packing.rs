//! Tokenizing documents and packing them into fixed-length blocks, with an on-disk cache.
//!
//! Layout (the seed's Hugging Face `group_texts` on RoBERTa-tokenized lines): every document
//! becomes `bos ids eos` (`<s> ... </s>`, or `[CLS] ... [SEP]` for BERT), the documents are
//! concatenated in order, and the stream is cut into blocks of `block_len`; the remainder
//! shorter than a block is dropped. A block therefore starts wherever the cut falls, usually
//! mid-document, and may hold several documents.

use std::path::PathBuf;

use crate::error::{Result, TextError};
use crate::packed_blocks::PackedBlocks;
use crate::progress::Progress;
use crate::token_cache::{self, CacheKey};
use crate::tokenizer::TextTokenizer;

/// The seed's block length.
pub const DEFAULT_BLOCK_LEN: usize = 256;

/// Documents encoded per call to the (parallel) batch encoder.
const ENCODE_CHUNK: usize = 64;

/// Whether [`BlockPacker::pack`] used the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheStatus {
    /// Loaded from this file without tokenizing.
    Hit(PathBuf),
    /// Tokenized, then written to this file.
    Stored(PathBuf),
    /// No cache directory was set.
    Disabled,
}

impl CacheStatus {
    pub fn is_hit(&self) -> bool {
        matches!(self, CacheStatus::Hit(_))
    }
}

/// The result of [`BlockPacker::pack`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packed {
    pub blocks: PackedBlocks,
    pub cache: CacheStatus,
}

/// Tokenizes documents and packs them into blocks (see the module docs for the layout).
#[derive(Debug, Clone)]
pub struct BlockPacker {
    block_len: usize,
    cache_dir: Option<PathBuf>,
    progress: Progress,
}

impl Default for BlockPacker {
    /// Blocks of [`DEFAULT_BLOCK_LEN`], no cache, progress bar when on a terminal.
    fn default() -> Self {
        Self {
            block_len: DEFAULT_BLOCK_LEN,
            cache_dir: None,
            progress: Progress::Auto,
        }
    }
}

impl BlockPacker {
    pub fn new(block_len: usize) -> Result<Self> {
        if block_len == 0 {
            return Err(TextError::InvalidArgument(
                "block length must be at least 1 token".into(),
            ));
        }
        Ok(Self {
            block_len,
            ..Self::default()
        })
    }

    /// Cache packed ids under `dir` (e.g. [`crate::default_token_cache_dir`]).
    pub fn with_cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    pub fn with_progress(mut self, progress: Progress) -> Self {
        self.progress = progress;
        self
    }

    pub fn block_len(&self) -> usize {
        self.block_len
    }

    /// Packs `documents` (e.g. `corpus.split(Split::Train)`); `label` (e.g. `sotu-train`)
    /// names them in errors and in the cache file name. With a cache directory, a file
    /// keyed by the tokenizer, the documents' text and the block length is loaded when it
    /// exists and written otherwise.
    pub fn pack<D: AsRef<str>>(
        &self,
        tokenizer: &TextTokenizer,
        documents: &[D],
        label: &str,
    ) -> Result<Packed> {
        let Some(dir) = &self.cache_dir else {
            return Ok(Packed {
                blocks: self.tokenize_and_pack(tokenizer, documents, label)?,
                cache: CacheStatus::Disabled,
            });
        };
        let key = CacheKey::new(&tokenizer.fingerprint()?, documents, self.block_len);
        let path = token_cache::cache_file(dir, label, &key);
        if let Some(blocks) = token_cache::load(&path, &key, self.block_len) {
            return Ok(Packed {
                blocks,
                cache: CacheStatus::Hit(path),
            });
        }
        let blocks = self.tokenize_and_pack(tokenizer, documents, label)?;
        token_cache::store(&path, &key, &blocks)?;
        Ok(Packed {
            blocks,
            cache: CacheStatus::Stored(path),
        })
    }

    fn tokenize_and_pack<D: AsRef<str>>(
        &self,
        tokenizer: &TextTokenizer,
        documents: &[D],
        label: &str,
    ) -> Result<PackedBlocks> {
        let stream = token_stream(tokenizer, documents, self.progress, label)?;
        pack_stream(stream, self.block_len, label)
    }
}

/// `bos doc₁ eos bos doc₂ eos ...`: every document encoded without the post-processor's
/// specials and wrapped in the tokenizer's bos/eos ids.
pub fn token_stream<D: AsRef<str>>(
    tokenizer: &TextTokenizer,
    documents: &[D],
    progress: Progress,
    label: &str,
) -> Result<Vec<u32>> {
    let (bos, eos) = (tokenizer.special().bos, tokenizer.special().eos);
    let total_bytes = documents.iter().map(|d| d.as_ref().len() as u64).sum();
    let bar = progress.bar(total_bytes, &format!("tokenizing {label}"));
    let mut stream = Vec::new();
    for chunk in documents.chunks(ENCODE_CHUNK) {
        for ids in tokenizer.encode_batch(chunk, false)? {
            stream.push(bos);
            stream.extend_from_slice(&ids);
            stream.push(eos);
        }
        bar.inc(chunk.iter().map(|d| d.as_ref().len() as u64).sum());
    }
    bar.finish_and_clear();
    Ok(stream)
}

/// Cuts `stream` into blocks of `block_len`, dropping the remainder; fewer tokens than one
/// block is an error naming `what`.
pub fn pack_stream(mut stream: Vec<u32>, block_len: usize, what: &str) -> Result<PackedBlocks> {
    if block_len == 0 {
        return Err(TextError::InvalidArgument(
            "block length must be at least 1 token".into(),
        ));
    }
    if stream.len() < block_len {
        return Err(TextError::CorpusTooSmall {
            what: what.to_owned(),
            tokens: stream.len(),
            block_len,
        });
    }
    stream.truncate(stream.len() / block_len * block_len);
    PackedBlocks::new(block_len, stream)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn remainder_is_dropped() {
        let blocks = pack_stream((0..10).collect(), 4, "t").unwrap();
        assert_eq!(blocks.ids(), &[0, 1, 2, 3, 4, 5, 6, 7]);
        assert_eq!(blocks.n_blocks(), 2);
    }

    #[test]
    fn too_small_stream_is_an_error() {
        let err = pack_stream(vec![1, 2, 3], 4, "tiny train")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("tiny train") && err.contains("3 tokens") && err.contains("4"),
            "{err}"
        );
    }

    #[test]
    fn zero_block_len_is_an_error() {
        assert!(BlockPacker::new(0).is_err());
        assert!(pack_stream(vec![1], 0, "t").is_err());
    }

    proptest! {
        #[test]
        fn packing_keeps_the_longest_whole_block_prefix(len in 1usize..300, block_len in 1usize..40) {
            let stream: Vec<u32> = (0..len as u32).collect();
            match pack_stream(stream.clone(), block_len, "p") {
                Ok(blocks) => {
                    prop_assert_eq!(blocks.n_blocks(), len / block_len);
                    prop_assert_eq!(blocks.ids(), &stream[..len / block_len * block_len]);
                }
                Err(_) => prop_assert!(len < block_len),
            }
        }
    }
}
