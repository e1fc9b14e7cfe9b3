//! From a corpus name to packed train/validation blocks and a tokenizer.

use std::path::Path;

use anyhow::{Context, Result, bail};
use unmask_text::{
    BlockPacker, Corpus, CorpusSpec, PackedBlocks, Split, TextTokenizer, default_token_cache_dir,
    train_byte_level_bpe,
};

/// Token blocks of each split, packed with the run's tokenizer.
pub struct TrainData {
    pub train: PackedBlocks,
    pub validation: PackedBlocks,
}

/// Loads a corpus by the spelling of `data.corpus`.
pub fn load_corpus(spec: &str) -> Result<Corpus> {
    let spec = CorpusSpec::parse(spec)?;
    Ok(spec.load()?)
}

/// The tokenizer of a from-scratch run: the one saved in the run directory (resume), a
/// given directory or tokenizer.json, or a byte-level BPE trained on the train split.
pub fn scratch_tokenizer(source: &str, vocab_size: usize, corpus: &Corpus, run_dir: &Path) -> Result<TextTokenizer> {
    let saved = run_dir.join("tokenizer");
    if saved.join("tokenizer.json").is_file() {
        return Ok(TextTokenizer::from_dir(&saved)?);
    }
    let tokenizer = if source == "train" {
        let docs = corpus.nonempty_split(Split::Train)?;
        eprintln!(
            "training a byte-level BPE tokenizer (vocab {vocab_size}) on {} documents",
            docs.len()
        );
        train_byte_level_bpe(docs.iter().map(|d| d.text.as_str()), vocab_size, 2)?
    } else {
        let path = Path::new(source);
        if path.is_dir() {
            TextTokenizer::from_dir(path)?
        } else if path.is_file() {
            TextTokenizer::from_file(path)?
        } else {
            bail!("tokenizer.source `{source}` is neither `train` nor an existing directory or tokenizer.json");
        }
    };
    tokenizer
        .save(&saved)
        .with_context(|| format!("saving the tokenizer to {}", saved.display()))?;
    Ok(tokenizer)
}

/// Packs the train and validation splits (token ids cached on disk).
pub fn pack(corpus: &Corpus, tokenizer: &TextTokenizer, block_len: usize) -> Result<TrainData> {
    let packer = BlockPacker::new(block_len)?.with_cache_dir(default_token_cache_dir()?);
    let split = |which: Split| -> Result<PackedBlocks> {
        let docs = corpus.nonempty_split(which)?;
        let label = format!("{}-{}", corpus.name(), which.name());
        let packed = packer.pack(tokenizer, &docs, &label)?;
        Ok(packed.blocks)
    };
    Ok(TrainData {
        train: split(Split::Train)?,
        validation: split(Split::Validation)?,
    })
}
