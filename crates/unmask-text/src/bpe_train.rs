//! Training a byte-level BPE tokenizer with RoBERTa's special tokens and pipeline.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use tokenizers::models::TrainerWrapper;
use tokenizers::models::bpe::{BPE, BpeTrainer};
use tokenizers::pre_tokenizers::byte_level::ByteLevel;
use tokenizers::{AddedToken, Tokenizer};

use crate::error::{Result, TextError};
use crate::tokenizer::TextTokenizer;
use crate::tokenizer_files::set_roberta_pipeline;

/// RoBERTa's special tokens; training gives them ids 0..=4 in this order.
pub const ROBERTA_SPECIAL_TOKENS: [&str; 5] = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"];

/// The smallest vocabulary a byte-level BPE can have: the special tokens and the 256 bytes.
pub const MIN_BYTE_LEVEL_VOCAB: usize = ROBERTA_SPECIAL_TOKENS.len() + 256;

/// Trains a byte-level BPE (RoBERTa style) on `texts`.
///
/// The vocabulary holds `<s> <pad> </s> <unk> <mask>` at ids 0..=4, all 256 byte symbols, and
/// merges until `vocab_size` tokens or until no pair occurs `min_frequency` times. The result
/// has a byte-level pre-tokenizer (no prefix space) and decoder, and RoBERTa's
/// `<s> A </s>` post-processing.
pub fn train_byte_level_bpe<I, S>(
    texts: I,
    vocab_size: usize,
    min_frequency: u64,
) -> Result<TextTokenizer>
where
    I: Iterator<Item = S> + Send,
    S: AsRef<str> + Send,
{
    let mut trainer = bpe_trainer(vocab_size, min_frequency)?;
    let mut tokenizer = untrained_tokenizer();
    tokenizer
        .train(&mut trainer, texts)
        .map_err(|e| TextError::BpeTraining(e.to_string()))?;
    finish(tokenizer)
}

/// [`train_byte_level_bpe`] on the lines of text files.
pub fn train_byte_level_bpe_from_files(
    files: &[PathBuf],
    vocab_size: usize,
    min_frequency: u64,
) -> Result<TextTokenizer> {
    if files.is_empty() {
        return Err(TextError::InvalidArgument(
            "no files to train the BPE tokenizer on".into(),
        ));
    }
    let names = files
        .iter()
        .map(|path| {
            if !path.is_file() {
                return Err(TextError::io(
                    "read training file",
                    path,
                    std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
                ));
            }
            path.to_str().map(str::to_owned).ok_or_else(|| {
                TextError::InvalidArgument(format!("{} is not a UTF-8 path", path.display()))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut trainer = bpe_trainer(vocab_size, min_frequency)?;
    let mut tokenizer = untrained_tokenizer();
    tokenizer
        .train_from_files(&mut trainer, names)
        .map_err(|e| TextError::BpeTraining(e.to_string()))?;
    finish(tokenizer)
}

fn bpe_trainer(vocab_size: usize, min_frequency: u64) -> Result<TrainerWrapper> {
    if vocab_size < MIN_BYTE_LEVEL_VOCAB {
        return Err(TextError::InvalidArgument(format!(
            "BPE vocab_size {vocab_size} is too small: a byte-level vocabulary needs at least \
             {MIN_BYTE_LEVEL_VOCAB} (5 special tokens + 256 bytes)"
        )));
    }
    let special_tokens = ROBERTA_SPECIAL_TOKENS
        .iter()
        .map(|name| AddedToken::from(*name, true).lstrip(*name == "<mask>"))
        .collect();
    let trainer = BpeTrainer::builder()
        .vocab_size(vocab_size)
        .min_frequency(min_frequency)
        .special_tokens(special_tokens)
        .initial_alphabet(ByteLevel::alphabet().into_iter().collect())
        .show_progress(std::io::stderr().is_terminal())
        .build();
    Ok(trainer.into())
}

fn untrained_tokenizer() -> Tokenizer {
    let mut tokenizer = Tokenizer::new(BPE::default());
    tokenizer.with_pre_tokenizer(Some(ByteLevel::new(false, true, true)));
    tokenizer
}

fn finish(mut tokenizer: Tokenizer) -> Result<TextTokenizer> {
    let source = Path::new("<trained byte-level BPE>");
    set_roberta_pipeline(&mut tokenizer, false, source)?;
    TextTokenizer::from_tokenizer(tokenizer, source)
}
