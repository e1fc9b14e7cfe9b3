//! `--model SRC`: a local directory or a Hugging Face Hub id.

use std::path::PathBuf;

use anyhow::Result;

/// The local directory holding the model's files (downloading from the Hub if needed).
pub fn model_dir(source: &str) -> Result<PathBuf> {
    let source = unmask_hub::ModelSource::parse(source)?;
    let files = unmask_hub::resolve_model(&source, &unmask_hub::HubOptions::from_env())?;
    Ok(files.dir)
}
