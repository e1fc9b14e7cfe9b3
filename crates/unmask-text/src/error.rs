use std::path::PathBuf;

/// Everything that can go wrong while loading tokenizers and corpora or packing token blocks.
///
/// Every variant names the file or value at fault and, where there is one, the fix.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    #[error("cannot {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(transparent)]
    Write(#[from] unmask_io::WriteError),

    #[error("tokenizer directory {dir} does not exist; pass a directory holding {looked_for}")]
    MissingTokenizerDir { dir: PathBuf, looked_for: String },

    #[error("no tokenizer found in {dir}: looked for {looked_for}")]
    NoTokenizerFile { dir: PathBuf, looked_for: String },

    #[error("cannot load tokenizer from {path}: {message}")]
    TokenizerLoad { path: PathBuf, message: String },

    /// A JSON file of a model directory (`config.json`, `tokenizer_config.json`, ...) that
    /// does not parse: named as itself, whoever reads it first.
    #[error("{path}: {message}")]
    BadJsonFile { path: PathBuf, message: String },

    #[error(
        "tokenizer {path} has no {role} token: looked for {looked_for}; \
         a masked language model tokenizer needs one"
    )]
    MissingSpecialToken {
        path: PathBuf,
        role: &'static str,
        looked_for: String,
    },

    #[error("cannot {action} with the tokenizer: {message}")]
    Tokenizer {
        action: &'static str,
        message: String,
    },

    #[error("invalid value: {0}")]
    InvalidArgument(String),

    #[error("BPE training failed: {0}")]
    BpeTraining(String),

    #[error(
        "corpus path {path} does not exist; pass a .txt/.jsonl/.parquet file, a directory of \
         such files, or a named corpus ({named})"
    )]
    MissingCorpus { path: PathBuf, named: String },

    #[error(
        "unsupported corpus file {path}: expected .txt, .text, .raw, .jsonl, .ndjson or .parquet"
    )]
    UnsupportedCorpusFile { path: PathBuf },

    #[error("corpus {name} is empty: no non-empty line in {what}")]
    EmptyCorpus { name: String, what: String },

    #[error("the {split} split of corpus {name} has no documents (the corpus has {total})")]
    EmptySplit {
        name: String,
        split: &'static str,
        total: usize,
    },

    #[error("{path} line {line}: {message}")]
    JsonLines {
        path: PathBuf,
        line: usize,
        message: String,
    },

    #[error("parquet file {path}: {message}")]
    Parquet { path: PathBuf, message: String },

    #[error(
        "named corpus `{name}` is not downloaded: {dir} is missing or empty; \
         run `{script}` first (it needs npm)"
    )]
    NamedCorpusNotFetched {
        name: String,
        dir: PathBuf,
        script: String,
    },

    #[error(
        "neither UNMASK_CACHE nor HOME is set, so there is no cache directory; \
         set UNMASK_CACHE to a writable directory"
    )]
    NoCacheDir,

    #[error(
        "{what} has {tokens} tokens, fewer than one block of {block_len}; \
         use more text or a smaller block length"
    )]
    CorpusTooSmall {
        what: String,
        tokens: usize,
        block_len: usize,
    },

    #[error("token cache {path} is unusable: {message}")]
    BadTokenCache { path: PathBuf, message: String },
}

pub type Result<T> = std::result::Result<T, TextError>;

impl TextError {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn tokenizer(action: &'static str, error: impl std::fmt::Display) -> Self {
        Self::Tokenizer {
            action,
            message: error.to_string(),
        }
    }
}
