//! `unmask tokenizer train`: a byte-level BPE with RoBERTa's special tokens, trained on the
//! train split of any corpus `unmask train` reads (`hf:` Hub datasets included: the same
//! loader, `unmask_train::data::load_splits`).

use std::path::Path;

use anyhow::{Result, bail};
use unmask_text::train_byte_level_bpe;
use unmask_train::data::load_splits;

pub fn train_tokenizer(corpus: &str, vocab_size: usize, out: &Path) -> Result<()> {
    if vocab_size < unmask_text::MIN_BYTE_LEVEL_VOCAB {
        bail!(
            "--vocab-size {vocab_size} is too small: a byte-level BPE needs at least {}",
            unmask_text::MIN_BYTE_LEVEL_VOCAB
        );
    }
    let splits = load_splits(corpus)?;
    let docs = &splits.train;
    eprintln!(
        "training a byte-level BPE (vocab {vocab_size}) on {} documents of {}",
        docs.len(),
        splits.name
    );
    let tokenizer = train_byte_level_bpe(docs.iter().map(|d| d.text.as_str()), vocab_size, 2)?;
    let file = tokenizer.save(out)?;
    println!("{} tokens -> {}", tokenizer.vocab_size(), file.display());
    Ok(())
}
