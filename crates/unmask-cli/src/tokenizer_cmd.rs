//! `unmask tokenizer train`: a byte-level BPE with RoBERTa's special tokens.

use std::path::Path;

use anyhow::{Result, bail};
use unmask_text::{CorpusSpec, Split, train_byte_level_bpe};

pub fn train_tokenizer(corpus: &str, vocab_size: usize, out: &Path) -> Result<()> {
    let corpus = CorpusSpec::parse(corpus)?.load()?;
    let docs = corpus.nonempty_split(Split::Train)?;
    if vocab_size < unmask_text::MIN_BYTE_LEVEL_VOCAB {
        bail!(
            "--vocab-size {vocab_size} is too small: a byte-level BPE needs at least {}",
            unmask_text::MIN_BYTE_LEVEL_VOCAB
        );
    }
    eprintln!(
        "training a byte-level BPE (vocab {vocab_size}) on {} documents of {}",
        docs.len(),
        corpus.name()
    );
    let tokenizer = train_byte_level_bpe(docs.iter().map(|d| d.text.as_str()), vocab_size, 2)?;
    let file = tokenizer.save(out)?;
    println!("{} tokens -> {}", tokenizer.vocab_size(), file.display());
    Ok(())
}
