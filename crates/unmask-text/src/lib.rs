//! Text for unmask: tokenizers (Hugging Face `tokenizer.json`, `vocab.json` + `merges.txt`,
//! `vocab.txt`; byte-level BPE training), corpora (text, JSON Lines, Parquet, named corpora),
//! a deterministic train/validation/test split, and packing into fixed-length token blocks
//! with an on-disk token cache. No burn dependency.

mod bpe_train;
mod cache_dir;
mod corpus;
mod corpus_readers;
mod corpus_spec;
mod error;
mod packed_blocks;
mod packing;
#[cfg(feature = "parquet")]
mod parquet_text;
mod progress;
mod special_tokens;
mod token_cache;
mod tokenizer;
mod tokenizer_files;
mod tokenizer_hints;
mod tokenizer_save;

pub use bpe_train::{
    MIN_BYTE_LEVEL_VOCAB, ROBERTA_SPECIAL_TOKENS, train_byte_level_bpe,
    train_byte_level_bpe_from_files,
};
pub use cache_dir::{default_token_cache_dir, unmask_cache_dir};
pub use corpus::{Corpus, Document, Split, drop_empty_lines};
pub use corpus_spec::{CorpusSpec, NamedCorpus};
pub use error::{Result, TextError};
pub use packed_blocks::{PackedBlocks, token_counts};
pub use packing::{BlockPacker, CacheStatus, DEFAULT_BLOCK_LEN, Packed, pack_stream, token_stream};
pub use progress::Progress;
pub use special_tokens::{SpecialRole, SpecialTokens};
pub use token_cache::CacheKey;
pub use tokenizer::TextTokenizer;

/// The `tokenizers` crate this one is built on, for callers that need the raw tokenizer.
pub use tokenizers;
