//! `--model SRC`: a local directory or a Hugging Face Hub id.

use std::path::PathBuf;

use anyhow::Result;

/// The local directory holding the model's files (downloading from the Hub if needed).
pub fn model_dir(source: &str) -> Result<PathBuf> {
    let source = unmask_hub::ModelSource::parse(source)?;
    let files = unmask_hub::resolve_model(&source, &unmask_hub::HubOptions::from_env())?;
    Ok(files.dir)
}

/// A tokenizer whose ids run past the model's embedding table cannot drive it.
pub fn check_vocab(tokenizer: &unmask_text::TextTokenizer, model_vocab: usize) -> Result<()> {
    if tokenizer.vocab_size() > model_vocab {
        anyhow::bail!(
            "the tokenizer has {} tokens but the model's vocabulary only {model_vocab}: \
             they do not belong together",
            tokenizer.vocab_size()
        );
    }
    Ok(())
}
