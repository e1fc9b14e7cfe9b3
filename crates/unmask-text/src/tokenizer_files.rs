//! Builds tokenizers from the older Hugging Face file formats, the way `transformers` converts
//! its slow tokenizers: `vocab.json` + `merges.txt` (RoBERTa byte-level BPE) and `vocab.txt`
//! (BERT WordPiece).

use std::path::Path;

use tokenizers::decoders::byte_level::ByteLevel;
use tokenizers::decoders::wordpiece::WordPiece as WordPieceDecoder;
use tokenizers::models::bpe::BPE;
use tokenizers::models::wordpiece::WordPiece;
use tokenizers::normalizers::bert::BertNormalizer;
use tokenizers::pre_tokenizers::bert::BertPreTokenizer;
use tokenizers::processors::bert::BertProcessing;
use tokenizers::processors::roberta::RobertaProcessing;
use tokenizers::{AddedToken, Model, Tokenizer};

use crate::error::{Result, TextError};
use crate::special_tokens::SpecialRole;

const ROBERTA_SPECIALS: [&str; 5] = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"];
const BERT_SPECIALS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/// A byte-level BPE tokenizer with RoBERTa's pipeline from `vocab.json` and `merges.txt`.
/// `named_specials` (names from the configuration files) are registered as special tokens
/// along with RoBERTa's when the vocabulary holds them.
pub(crate) fn byte_level_bpe(
    vocab: &Path,
    merges: &Path,
    add_prefix_space: bool,
    named_specials: &[&str],
) -> Result<Tokenizer> {
    let model = BPE::from_file(&path_str(vocab)?, &path_str(merges)?)
        .build()
        .map_err(|e| TextError::TokenizerLoad {
            path: vocab.to_owned(),
            message: format!("{e} (while reading it with {})", merges.display()),
        })?;
    let specials = specials_in_vocab(&model, &ROBERTA_SPECIALS, named_specials);
    let mut tokenizer = Tokenizer::new(model);
    add_special_tokens(&mut tokenizer, specials, vocab)?;
    set_roberta_pipeline(&mut tokenizer, add_prefix_space, vocab)?;
    Ok(tokenizer)
}

/// Byte-level pre-tokenizer and decoder, and the `<s> A </s>` / `<s> A </s></s> B </s>`
/// post-processor. `<s>` and `</s>` must already be in the vocabulary.
pub(crate) fn set_roberta_pipeline(
    tokenizer: &mut Tokenizer,
    add_prefix_space: bool,
    source: &Path,
) -> Result<()> {
    let bos = require_token(tokenizer, "<s>", SpecialRole::Bos, source)?;
    let eos = require_token(tokenizer, "</s>", SpecialRole::Eos, source)?;
    tokenizer.with_pre_tokenizer(Some(ByteLevel::new(add_prefix_space, true, true)));
    tokenizer.with_decoder(Some(ByteLevel::default()));
    tokenizer.with_post_processor(Some(
        RobertaProcessing::new(("</s>".into(), eos), ("<s>".into(), bos))
            .trim_offsets(true)
            .add_prefix_space(add_prefix_space),
    ));
    Ok(())
}

/// A WordPiece tokenizer with BERT's pipeline from `vocab.txt` (one token per line, id = line).
/// `named_specials` as for [`byte_level_bpe`].
pub(crate) fn wordpiece(
    vocab: &Path,
    lowercase: bool,
    named_specials: &[&str],
) -> Result<Tokenizer> {
    let model = WordPiece::from_file(&path_str(vocab)?)
        .unk_token("[UNK]".into())
        .build()
        .map_err(|e| TextError::TokenizerLoad {
            path: vocab.to_owned(),
            message: e.to_string(),
        })?;
    let specials = specials_in_vocab(&model, &BERT_SPECIALS, named_specials);
    let mut tokenizer = Tokenizer::new(model);
    add_special_tokens(&mut tokenizer, specials, vocab)?;
    let cls = require_token(&tokenizer, "[CLS]", SpecialRole::Bos, vocab)?;
    let sep = require_token(&tokenizer, "[SEP]", SpecialRole::Eos, vocab)?;
    tokenizer
        .with_normalizer(Some(BertNormalizer::new(true, true, None, lowercase)))
        .map_err(|e| TextError::TokenizerLoad {
            path: vocab.to_owned(),
            message: e.to_string(),
        })?;
    tokenizer.with_pre_tokenizer(Some(BertPreTokenizer));
    tokenizer.with_post_processor(Some(BertProcessing::new(
        ("[SEP]".into(), sep),
        ("[CLS]".into(), cls),
    )));
    tokenizer.with_decoder(Some(WordPieceDecoder::new("##".into(), true)));
    Ok(tokenizer)
}

/// Only the special tokens the vocabulary holds are registered, so a vocabulary without a mask
/// token stays without one (and loading reports it) instead of gaining a fresh, untrained id.
fn specials_in_vocab(model: &impl Model, defaults: &[&str], named: &[&str]) -> Vec<AddedToken> {
    let mut names: Vec<&str> = defaults.to_vec();
    names.extend(named.iter().filter(|name| !defaults.contains(name)));
    names
        .iter()
        .filter(|name| model.token_to_id(name).is_some())
        // RoBERTa's mask swallows the space before it: "a <mask>" encodes as ["a", "<mask>"].
        .map(|name| AddedToken::from(*name, true).lstrip(*name == "<mask>"))
        .collect()
}

fn add_special_tokens(
    tokenizer: &mut Tokenizer,
    tokens: Vec<AddedToken>,
    source: &Path,
) -> Result<()> {
    tokenizer
        .add_special_tokens(tokens)
        .map_err(|e| TextError::TokenizerLoad {
            path: source.to_owned(),
            message: format!("cannot register the special tokens: {e}"),
        })?;
    Ok(())
}

fn require_token(
    tokenizer: &Tokenizer,
    name: &str,
    role: SpecialRole,
    source: &Path,
) -> Result<u32> {
    tokenizer
        .token_to_id(name)
        .ok_or_else(|| TextError::MissingSpecialToken {
            path: source.to_owned(),
            role: role.label(),
            looked_for: format!("`{name}`"),
        })
}

fn path_str(path: &Path) -> Result<String> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| TextError::TokenizerLoad {
            path: path.to_owned(),
            message: "the path is not valid UTF-8; move the file to a UTF-8 path".into(),
        })
}
