//! Errors of source resolution: each names the problem and what to do about it.

use std::fmt;
use std::path::PathBuf;

/// Why a source could not be resolved to local files.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A path-like model source that does not exist.
    #[error(
        "model directory `{}` does not exist; pass an existing directory holding config.json, \
         the weights and the tokenizer files, or a Hub id like `owner/name`",
        .0.display()
    )]
    NoSuchDirectory(PathBuf),

    /// A model source that exists but is a file.
    #[error(
        "`{}` is a file, not a directory; pass the directory that holds config.json, \
         the weights and the tokenizer files",
        .0.display()
    )]
    NotADirectory(PathBuf),

    /// Neither an existing directory nor a well-formed Hub id.
    #[error(
        "`{input}` is neither an existing directory nor a Hub id ({reason}); pass a directory \
         or an id like `owner/name` or `owner/name@revision`"
    )]
    InvalidSource {
        /// What the user passed.
        input: String,
        /// What is wrong with it as a Hub id.
        reason: String,
    },

    /// A local model directory lacks required files.
    #[error(
        "model directory `{}` is missing: {}; put the files there (for a Hub model: \
         `huggingface-cli download <ID> --local-dir {}`)",
        .dir.display(), .missing.join("; "), .dir.display()
    )]
    MissingLocalFiles {
        /// The directory that was searched.
        dir: PathBuf,
        /// One entry per missing file group, e.g. `model.safetensors or pytorch_model.bin`.
        missing: Vec<String>,
    },

    /// The Hub could not be asked (unreachable or offline) and the cache lacks files.
    #[error(transparent)]
    HubUnavailable(Box<HubUnavailable>),

    /// The Hub answered, but the repository lacks required files.
    #[error(
        "{target} on {endpoint} has no {}; check the id and revision (a private or gated \
         repository needs a token in HF_TOKEN)",
        .missing.join(", and no ")
    )]
    MissingOnHub {
        /// The repository asked for.
        target: Box<HubTarget>,
        /// The Hub endpoint asked.
        endpoint: String,
        /// One entry per missing file group.
        missing: Vec<String>,
    },

    /// The Hub refused access (HTTP 401/403).
    #[error(
        "{target} on {endpoint} refused access (HTTP {status}) to `{file}`; the repository may \
         not exist, or it is private or gated: accept its terms on the Hub and set HF_TOKEN"
    )]
    AccessDenied {
        /// The repository asked for.
        target: Box<HubTarget>,
        /// The Hub endpoint asked.
        endpoint: String,
        /// The file or API path requested.
        file: String,
        /// The HTTP status.
        status: u16,
    },

    /// Any other failure talking to the Hub (bad answer, I/O while downloading).
    #[error("fetching `{file}` of {target} from {endpoint} failed: {reason}")]
    HubRequest {
        /// The repository asked for.
        target: Box<HubTarget>,
        /// The Hub endpoint asked.
        endpoint: String,
        /// The file or API path requested.
        file: String,
        /// The underlying error.
        reason: String,
    },

    /// The dataset's Parquet conversion has no files for this config and split.
    #[error(
        "{target} has no Parquet files for config `{config}`, split `{split}`; available: {}",
        list_or_none(.available)
    )]
    DatasetSplitNotFound {
        /// The dataset repository (at its Parquet revision).
        target: Box<HubTarget>,
        /// The config looked for.
        config: String,
        /// The split looked for.
        split: String,
        /// `config/split` pairs that do exist (empty when unknown).
        available: Vec<String>,
    },

    /// No config was given and several configs have the split.
    #[error(
        "{target} has several configs with split `{split}` ({}); name one of them",
        .configs.join(", ")
    )]
    DatasetConfigAmbiguous {
        /// The dataset repository.
        target: Box<HubTarget>,
        /// The split asked for.
        split: String,
        /// Configs that have it.
        configs: Vec<String>,
    },

    /// A dataset config or split name that cannot be a path segment.
    #[error("invalid dataset {what} `{value}`: {reason}")]
    InvalidDatasetName {
        /// `config`, `split` or `id`.
        what: &'static str,
        /// The value passed.
        value: String,
        /// What is wrong with it.
        reason: String,
    },

    /// No cache directory was given and no home directory is known.
    #[error(
        "cannot locate the Hugging Face cache: no home directory is known; set HF_HOME or \
         HF_HUB_CACHE, or pass a cache directory"
    )]
    NoCacheDir,

    /// Reading or writing the cache failed.
    #[error("cache error at `{}`: {source}", .path.display())]
    Cache {
        /// The path involved.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none found (the dataset may not exist, may have no Parquet conversion, or could not \
         be listed)"
            .to_string()
    } else {
        items.join(", ")
    }
}

/// Which Hub repository (and revision) an error is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubTarget {
    /// Model or dataset.
    pub kind: HubRepoKind,
    /// `owner/name`.
    pub id: String,
    /// Branch, tag or commit.
    pub revision: String,
}

/// The kinds of Hub repository this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HubRepoKind {
    /// A model repository.
    Model,
    /// A dataset repository.
    Dataset,
}

impl fmt::Display for HubTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            HubRepoKind::Model => "model",
            HubRepoKind::Dataset => "dataset",
        };
        write!(f, "{kind} `{}` (revision `{}`)", self.id, self.revision)
    }
}

/// Why the Hub was not asked, or could not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HubUnreachable {
    /// Offline mode is on (`HubOptions::offline`, e.g. from `HF_HUB_OFFLINE=1`).
    Offline,
    /// The connection failed; the underlying error.
    Network(String),
}

/// Needed files are neither cached nor downloadable right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubUnavailable {
    /// The repository asked for.
    pub target: HubTarget,
    /// The Hub endpoint.
    pub endpoint: String,
    /// The hf-hub cache directory that was searched.
    pub cache_dir: PathBuf,
    /// The files (or alternatives) that were needed and not cached.
    pub needed: Vec<String>,
    /// Offline, or the network error.
    pub cause: HubUnreachable,
}

impl std::error::Error for HubUnavailable {}

impl fmt::Display for HubUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = &self.target.id;
        match &self.cause {
            HubUnreachable::Offline => write!(
                f,
                "cannot fetch {}: offline mode is on (HF_HUB_OFFLINE), so {} was not contacted",
                self.target, self.endpoint
            )?,
            HubUnreachable::Network(reason) => write!(
                f,
                "cannot fetch {}: the Hugging Face Hub at {} could not be reached ({reason})",
                self.target, self.endpoint
            )?,
        }
        writeln!(
            f,
            ", and these files are not in the cache at `{}`:",
            self.cache_dir.display()
        )?;
        for file in &self.needed {
            writeln!(f, "  - {file}")?;
        }
        let revision = match self.target.revision.as_str() {
            "main" => String::new(),
            other => format!(" --revision {other}"),
        };
        match self.target.kind {
            HubRepoKind::Model => write!(
                f,
                "To proceed, download the repository files where the Hub is reachable, e.g. \
                 `huggingface-cli download {id}{revision} --local-dir DIR`, copy DIR here and \
                 pass `--model DIR`; or copy a filled Hugging Face cache here and set HF_HOME."
            ),
            HubRepoKind::Dataset => write!(
                f,
                "To proceed, download the Parquet files where the Hub is reachable, e.g. \
                 `huggingface-cli download {id} --repo-type dataset{revision} --local-dir DIR`, \
                 copy DIR here and use its .parquet files as a local corpus; or copy a filled \
                 Hugging Face cache here and set HF_HOME."
            ),
        }
    }
}

impl From<HubUnavailable> for SourceError {
    fn from(value: HubUnavailable) -> Self {
        SourceError::HubUnavailable(Box::new(value))
    }
}
