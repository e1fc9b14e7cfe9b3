//! From a corpus name to packed train/validation blocks and a tokenizer.

use std::path::Path;

use anyhow::{Context, Result, bail};
use unmask_text::{
    BlockPacker, Corpus, CorpusSpec, Document, PackedBlocks, Split, TextTokenizer,
    default_token_cache_dir, train_byte_level_bpe,
};

/// The documents a run trains and validates on.
pub struct CorpusSplits {
    pub name: String,
    pub train: Vec<Document>,
    pub validation: Vec<Document>,
}

/// Token blocks of each split, packed with the run's tokenizer.
pub struct TrainData {
    pub train: PackedBlocks,
    pub validation: PackedBlocks,
}

/// Loads the corpus `data.corpus` names:
/// - `hf:OWNER/NAME[/CONFIG]`: a Hugging Face dataset's Parquet export (train and validation
///   splits as the Hub defines them), e.g. `hf:Salesforce/wikitext/wikitext-2-raw-v1`;
/// - `sotu`, `moby-dick`, or a path: split deterministically by document.
pub fn load_splits(spec: &str) -> Result<CorpusSplits> {
    if let Some(hub) = spec.strip_prefix("hf:") {
        return load_hub_splits(hub, &unmask_hub::HubOptions::from_env());
    }
    let corpus = CorpusSpec::parse(spec)?.load()?;
    let docs = |split| -> Result<Vec<Document>> {
        Ok(corpus.nonempty_split(split)?.into_iter().cloned().collect())
    };
    Ok(CorpusSplits {
        name: corpus.name().to_string(),
        train: docs(Split::Train)?,
        validation: docs(Split::Validation)?,
    })
}

/// `OWNER/NAME[/CONFIG]` through the Hub's Parquet export (cache first).
pub fn load_hub_splits(hub: &str, options: &unmask_hub::HubOptions) -> Result<CorpusSplits> {
    let parts: Vec<&str> = hub.split('/').collect();
    let (id, config) = match parts.as_slice() {
        [owner, name] => (format!("{owner}/{name}"), None),
        [owner, name, config] => (format!("{owner}/{name}"), Some(*config)),
        _ => bail!("`hf:{hub}`: write a Hub dataset as hf:OWNER/NAME or hf:OWNER/NAME/CONFIG"),
    };
    let split = |name: &str| -> Result<Vec<Document>> {
        let files = unmask_hub::resolve_dataset(&id, config, name, options)?;
        let mut docs = Vec::new();
        for file in files {
            let corpus = Corpus::load_with_name(format!("{id}-{name}"), &file)
                .with_context(|| format!("reading {}", file.display()))?;
            docs.extend(corpus.documents().iter().cloned());
        }
        if docs.is_empty() {
            bail!("the {name} split of hf:{hub} has no text");
        }
        Ok(docs)
    };
    Ok(CorpusSplits {
        name: hub.replace('/', "-"),
        train: split("train")?,
        validation: split("validation")?,
    })
}

/// The tokenizer of a from-scratch run: the one saved in the run directory (resume), a
/// given directory or tokenizer.json, or a byte-level BPE trained on the train split.
pub fn scratch_tokenizer(
    source: &str,
    vocab_size: usize,
    train: &[Document],
    run_dir: &Path,
) -> Result<TextTokenizer> {
    let saved = run_dir.join("tokenizer");
    if saved.join("tokenizer.json").is_file() {
        return Ok(TextTokenizer::from_dir(&saved)?);
    }
    let tokenizer = if source == "train" {
        eprintln!(
            "training a byte-level BPE tokenizer (vocab {vocab_size}) on {} documents",
            train.len()
        );
        train_byte_level_bpe(train.iter().map(|d| d.text.as_str()), vocab_size, 2)?
    } else {
        let path = Path::new(source);
        if path.is_dir() {
            TextTokenizer::from_dir(path)?
        } else if path.is_file() {
            TextTokenizer::from_file(path)?
        } else {
            bail!(
                "tokenizer.source `{source}` is neither `train` nor an existing directory or tokenizer.json"
            );
        }
    };
    tokenizer
        .save(&saved)
        .with_context(|| format!("saving the tokenizer to {}", saved.display()))?;
    Ok(tokenizer)
}

/// Packs the train and validation splits (token ids cached on disk).
pub fn pack(
    corpus: &CorpusSplits,
    tokenizer: &TextTokenizer,
    block_len: usize,
) -> Result<TrainData> {
    let packer = BlockPacker::new(block_len)?.with_cache_dir(default_token_cache_dir()?);
    // A small corpus fails here, most often on validation: name the split and the setting.
    let split = |docs: &[Document], which: &str| -> Result<PackedBlocks> {
        let label = format!("{}-{which}", corpus.name);
        let packed = packer.pack(tokenizer, docs, &label).with_context(|| {
            format!(
                "the {which} split of corpus `{}` ({} documents) in blocks of data.block_len = \
                 {block_len} tokens",
                corpus.name,
                docs.len()
            )
        })?;
        Ok(packed.blocks)
    };
    Ok(TrainData {
        train: split(&corpus.train, "train")?,
        validation: split(&corpus.validation, "validation")?,
    })
}
