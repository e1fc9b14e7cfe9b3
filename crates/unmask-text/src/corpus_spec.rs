//! [`CorpusSpec`]: what a user may type to name a corpus (a named corpus or a path).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::cache_dir::unmask_cache_dir;
use crate::corpus::Corpus;
use crate::error::{Result, TextError};

/// Corpora fetched by a script under `datasets/` into the unmask cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedCorpus {
    /// The State of the Union addresses 1790-2021 (`datasets/fetch-sotu.sh`), one document
    /// per address.
    Sotu,
    /// Moby-Dick (`datasets/fetch-moby-dick.sh`), one document per chapter.
    MobyDick,
}

impl NamedCorpus {
    pub const ALL: [NamedCorpus; 2] = [NamedCorpus::Sotu, NamedCorpus::MobyDick];

    pub fn name(self) -> &'static str {
        match self {
            Self::Sotu => "sotu",
            Self::MobyDick => "moby-dick",
        }
    }

    /// The script that downloads it, relative to the repository root.
    pub fn fetch_script(self) -> &'static str {
        match self {
            Self::Sotu => "datasets/fetch-sotu.sh",
            Self::MobyDick => "datasets/fetch-moby-dick.sh",
        }
    }

    /// Its directory under the cache root `${UNMASK_CACHE:-$HOME/.cache/unmask}`.
    pub fn dir_in(self, cache_root: &Path) -> PathBuf {
        cache_root.join(self.name())
    }

    /// Loads it from `cache_root`; a missing or empty directory is an error that says which
    /// script to run.
    pub fn load_from(self, cache_root: &Path) -> Result<Corpus> {
        let dir = self.dir_in(cache_root);
        let has_files = std::fs::read_dir(&dir)
            .map(|mut entries| entries.next().is_some())
            .unwrap_or(false);
        if !has_files {
            return Err(TextError::NamedCorpusNotFetched {
                name: self.name().into(),
                dir,
                script: self.fetch_script().into(),
            });
        }
        Corpus::load_with_name(self.name(), &dir)
    }

    /// `sotu, moby-dick`: for error messages.
    pub fn names() -> String {
        Self::ALL.map(Self::name).join(", ")
    }
}

impl FromStr for NamedCorpus {
    type Err = TextError;

    fn from_str(text: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|corpus| corpus.name() == text)
            .ok_or_else(|| {
                TextError::InvalidArgument(format!(
                    "unknown named corpus `{text}`; known: {}",
                    Self::names()
                ))
            })
    }
}

/// A corpus as the user names it: a [`NamedCorpus`] (`sotu`, `moby-dick`) or a path to a file
/// or directory (see [`Corpus::load`]). A name wins over a relative path that happens to
/// match it; write `./sotu` for the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorpusSpec {
    Named(NamedCorpus),
    Path(PathBuf),
}

impl CorpusSpec {
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.is_empty() {
            return Err(TextError::InvalidArgument(format!(
                "empty corpus name; pass a path or one of: {}",
                NamedCorpus::names()
            )));
        }
        Ok(match text.parse::<NamedCorpus>() {
            Ok(named) => Self::Named(named),
            Err(_) => Self::Path(PathBuf::from(text)),
        })
    }

    /// Loads the corpus; named corpora come from `${UNMASK_CACHE:-$HOME/.cache/unmask}`.
    pub fn load(&self) -> Result<Corpus> {
        match self {
            Self::Named(named) => named.load_from(&unmask_cache_dir()?),
            Self::Path(path) => Corpus::load(path),
        }
    }

    /// Like [`CorpusSpec::load`] with an explicit cache root for named corpora.
    pub fn load_with_cache_root(&self, cache_root: &Path) -> Result<Corpus> {
        match self {
            Self::Named(named) => named.load_from(cache_root),
            Self::Path(path) => Corpus::load(path),
        }
    }
}

impl FromStr for CorpusSpec {
    type Err = TextError;

    fn from_str(text: &str) -> Result<Self> {
        Self::parse(text)
    }
}

impl std::fmt::Display for CorpusSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Named(named) => f.write_str(named.name()),
            Self::Path(path) => write!(f, "{}", path.display()),
        }
    }
}
