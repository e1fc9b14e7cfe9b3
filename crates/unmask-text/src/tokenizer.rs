//! [`TextTokenizer`]: a Hugging Face `tokenizers` tokenizer plus the special ids a masked LM needs.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokenizers::Tokenizer;

use crate::error::{Result, TextError};
use crate::special_tokens::{SpecialTokens, find_special_tokens};
use crate::tokenizer_files;
use crate::tokenizer_hints::TokenizerHints;
use crate::tokenizer_save;

const LOOKED_FOR: &str = "tokenizer.json, or vocab.json + merges.txt (byte-level BPE), \
                          or vocab.txt (WordPiece)";

/// A tokenizer for masked language models: encode/decode plus the mask, pad, bos/cls,
/// eos/sep and unk ids.
#[derive(Clone)]
pub struct TextTokenizer {
    inner: Tokenizer,
    special: SpecialTokens,
}

/// Short on purpose: the wrapped tokenizer's own `Debug` prints the whole vocabulary.
impl std::fmt::Debug for TextTokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TextTokenizer")
            .field("vocab_size", &self.vocab_size())
            .field("special", &self.special)
            .finish_non_exhaustive()
    }
}

impl TextTokenizer {
    /// Loads the tokenizer of a Hugging Face model directory, trying in order:
    /// 1. `tokenizer.json`;
    /// 2. `vocab.json` + `merges.txt`: byte-level BPE with RoBERTa's pipeline
    ///    (`add_prefix_space` from `tokenizer_config.json`, default false);
    /// 3. `vocab.txt`: WordPiece with BERT's pipeline (`do_lower_case` from
    ///    `tokenizer_config.json`, default true).
    ///
    /// Special token names come from `tokenizer_config.json` / `special_tokens_map.json` when
    /// present, else the RoBERTa and BERT defaults; `config.json` ids fill roles left unfound.
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        if !dir.is_dir() {
            return Err(TextError::MissingTokenizerDir {
                dir: dir.to_owned(),
                looked_for: LOOKED_FOR.into(),
            });
        }
        let hints = TokenizerHints::read(dir)?;
        let tokenizer_json = dir.join("tokenizer.json");
        let vocab_json = dir.join("vocab.json");
        let merges = dir.join("merges.txt");
        let vocab_txt = dir.join("vocab.txt");
        let (inner, source) = if tokenizer_json.is_file() {
            (read_tokenizer_json(&tokenizer_json)?, tokenizer_json)
        } else if vocab_json.is_file() && merges.is_file() {
            let add_prefix_space = hints.add_prefix_space.unwrap_or(false);
            let inner = tokenizer_files::byte_level_bpe(
                &vocab_json,
                &merges,
                add_prefix_space,
                &hints.names(),
            )?;
            (inner, vocab_json)
        } else if vocab_txt.is_file() {
            let lowercase = hints.do_lower_case.unwrap_or(true);
            let inner = tokenizer_files::wordpiece(&vocab_txt, lowercase, &hints.names())?;
            (inner, vocab_txt)
        } else {
            let mut looked_for = LOOKED_FOR.to_owned();
            if vocab_json.is_file() {
                looked_for.push_str(" (vocab.json is there but merges.txt is missing)");
            }
            return Err(TextError::NoTokenizerFile {
                dir: dir.to_owned(),
                looked_for,
            });
        };
        Self::with_hints(inner, &hints, &source)
    }

    /// Loads a single `tokenizer.json` file (no neighbouring config files are read).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let inner = read_tokenizer_json(path)?;
        Self::with_hints(inner, &TokenizerHints::default(), path)
    }

    /// Wraps an already built tokenizer; `source` names it in error messages.
    pub fn from_tokenizer(inner: Tokenizer, source: impl AsRef<Path>) -> Result<Self> {
        Self::with_hints(inner, &TokenizerHints::default(), source.as_ref())
    }

    fn with_hints(mut inner: Tokenizer, hints: &TokenizerHints, source: &Path) -> Result<Self> {
        // Some tokenizer.json files (sentence-transformers') force padding and truncation to
        // a fixed length; unmask pads and packs itself, so encode() returns exactly the text.
        inner.with_padding(None);
        inner
            .with_truncation(None)
            .map_err(|e| TextError::tokenizer("disable truncation", e))?;
        let special = find_special_tokens(&inner, hints, source)?;
        Ok(Self { inner, special })
    }

    /// Token ids of `text`; with `add_special` the post-processor adds e.g. `<s> ... </s>`.
    pub fn encode(&self, text: &str, add_special: bool) -> Result<Vec<u32>> {
        let encoding = self
            .inner
            .encode(text, add_special)
            .map_err(|e| TextError::tokenizer("encode text", e))?;
        Ok(encoding.get_ids().to_vec())
    }

    /// [`TextTokenizer::encode`] for many texts, in parallel.
    pub fn encode_batch<S: AsRef<str>>(
        &self,
        texts: &[S],
        add_special: bool,
    ) -> Result<Vec<Vec<u32>>> {
        let inputs: Vec<&str> = texts.iter().map(AsRef::as_ref).collect();
        let encodings = self
            .inner
            .encode_batch(inputs, add_special)
            .map_err(|e| TextError::tokenizer("encode a batch of texts", e))?;
        Ok(encodings.iter().map(|e| e.get_ids().to_vec()).collect())
    }

    /// Text of `ids`; with `skip_special` special tokens are left out.
    pub fn decode(&self, ids: &[u32], skip_special: bool) -> Result<String> {
        self.inner
            .decode(ids, skip_special)
            .map_err(|e| TextError::tokenizer("decode ids", e))
    }

    /// The text token `id` adds when it follows another word, as drawn token by token (the
    /// denoising animation): with its leading space if it starts a word (" world"), without
    /// one if it continues a word ("##able" gives "able"). Special tokens give their name.
    pub fn piece(&self, id: u32) -> Result<String> {
        if self.special.is_special(id) {
            return Ok(self.id_to_token(id).unwrap_or_default());
        }
        // Decoded after an anchor word, a token keeps the space (or the lack of one) that
        // joins it to the text before; decoded alone, most decoders would drop it.
        if let Some(&anchor) = self.encode("a", false)?.first() {
            let before = self.decode(&[anchor], false)?;
            let both = self.decode(&[anchor, id], false)?;
            if let Some(piece) = both.strip_prefix(&before) {
                return Ok(piece.to_string());
            }
        }
        self.decode(&[id], false)
    }

    pub fn id_to_token(&self, id: u32) -> Option<String> {
        self.inner.id_to_token(id)
    }

    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.inner.token_to_id(token)
    }

    /// Number of tokens, added tokens included.
    pub fn vocab_size(&self) -> usize {
        self.inner.get_vocab_size(true)
    }

    pub fn special(&self) -> &SpecialTokens {
        &self.special
    }

    /// The wrapped `tokenizers` tokenizer.
    pub fn inner(&self) -> &Tokenizer {
        &self.inner
    }

    /// SHA-256 of the tokenizer's `tokenizer.json` serialization: equal fingerprints encode
    /// text identically. Keys the token caches.
    pub fn fingerprint(&self) -> Result<[u8; 32]> {
        let json = self
            .inner
            .to_string(false)
            .map_err(|e| TextError::tokenizer("serialize the tokenizer", e))?;
        Ok(Sha256::digest(json.as_bytes()).into())
    }

    /// Writes `tokenizer.json` and a `tokenizer_config.json` naming the special tokens and the
    /// `transformers` tokenizer class, so that `AutoTokenizer.from_pretrained(dir)` loads it.
    /// Returns the path of `tokenizer.json`.
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<PathBuf> {
        tokenizer_save::save(self, dir.as_ref())
    }
}

fn read_tokenizer_json(path: &Path) -> Result<Tokenizer> {
    if !path.is_file() {
        return Err(TextError::io(
            "read tokenizer file",
            path,
            std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        ));
    }
    Tokenizer::from_file(path).map_err(|e| TextError::TokenizerLoad {
        path: path.to_owned(),
        message: e.to_string(),
    })
}
