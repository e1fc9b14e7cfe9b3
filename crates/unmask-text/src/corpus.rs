//! [`Corpus`]: a list of text documents, and its deterministic train/validation/test split.

use std::path::Path;
use std::str::FromStr;

use crate::corpus_readers;
use crate::error::{Result, TextError};

/// One document: the unit a corpus is split by and that packing wraps as `<s> text </s>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Where it came from, e.g. `1790_george_washington_n.txt`, `train.jsonl:17`.
    pub source: String,
    /// The text with empty (or whitespace-only) lines removed, lines joined by `\n`.
    pub text: String,
}

impl Document {
    /// A document from raw text; `None` when no non-empty line is left.
    pub fn new(source: impl Into<String>, raw_text: &str) -> Option<Self> {
        let text = drop_empty_lines(raw_text);
        (!text.is_empty()).then(|| Self {
            source: source.into(),
            text,
        })
    }
}

impl AsRef<str> for Document {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

/// Removes empty and whitespace-only lines (as the seed experiment dropped WikiText's empty
/// lines) and `\r` line endings; other whitespace is kept as it is.
pub fn drop_empty_lines(text: &str) -> String {
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The three parts of a corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Split {
    Train,
    Validation,
    Test,
}

impl Split {
    pub const ALL: [Split; 3] = [Split::Train, Split::Validation, Split::Test];

    /// The split of the document at `index` (0-based, in corpus order): out of every 20
    /// consecutive documents, the 19th goes to validation, the 20th to test, the rest to
    /// train (90/5/5). Stable: appending documents never moves earlier ones.
    pub fn of_index(index: usize) -> Split {
        match index % 20 {
            18 => Split::Validation,
            19 => Split::Test,
            _ => Split::Train,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
        }
    }
}

impl std::fmt::Display for Split {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Split {
    type Err = TextError;

    fn from_str(text: &str) -> Result<Self> {
        match text {
            "train" => Ok(Split::Train),
            "validation" | "valid" | "val" => Ok(Split::Validation),
            "test" => Ok(Split::Test),
            other => Err(TextError::InvalidArgument(format!(
                "unknown split `{other}`; expected train, validation or test"
            ))),
        }
    }
}

/// A named, non-empty list of documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corpus {
    name: String,
    documents: Vec<Document>,
}

impl Corpus {
    /// A corpus of `documents`; errors when there are none.
    pub fn new(name: impl Into<String>, documents: Vec<Document>) -> Result<Self> {
        let name = name.into();
        if documents.is_empty() {
            return Err(TextError::EmptyCorpus {
                what: "its documents".into(),
                name,
            });
        }
        Ok(Self { name, documents })
    }

    /// A corpus from raw texts, one document each; texts with no non-empty line are dropped.
    pub fn from_texts<S: AsRef<str>>(
        name: impl Into<String>,
        texts: impl IntoIterator<Item = S>,
    ) -> Result<Self> {
        let name = name.into();
        let documents = texts
            .into_iter()
            .enumerate()
            .filter_map(|(i, text)| Document::new(format!("{name}:{}", i + 1), text.as_ref()))
            .collect();
        Self::new(name, documents)
    }

    /// Loads a file or directory; the format follows the extension:
    /// - `.txt`, `.text`, `.raw` (or no extension): one document per non-empty line, as the
    ///   seed experiment read WikiText;
    /// - `.jsonl`, `.ndjson`: one document per line's `text` field;
    /// - `.parquet`: one document per row's `text` column;
    /// - a directory: its files, recursively, in sorted path order; each text file is ONE
    ///   document (e.g. one State of the Union address), JSON Lines and Parquet files give one
    ///   document per row. Other files are ignored.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        Self::load_with_name(name, path)
    }

    /// [`Corpus::load`] under the given name (e.g. a Hub dataset id for a downloaded copy).
    pub fn load_with_name(name: impl Into<String>, path: impl AsRef<Path>) -> Result<Self> {
        let (name, path) = (name.into(), path.as_ref());
        let documents = corpus_readers::read_documents(path)?;
        if documents.is_empty() {
            return Err(TextError::EmptyCorpus {
                name,
                what: path.display().to_string(),
            });
        }
        Ok(Self { name, documents })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn documents(&self) -> &[Document] {
        &self.documents
    }

    pub fn len(&self) -> usize {
        self.documents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }

    /// Total bytes of text.
    pub fn text_bytes(&self) -> usize {
        self.documents.iter().map(|d| d.text.len()).sum()
    }

    /// The documents of `split` (see [`Split::of_index`]), in corpus order; may be empty for
    /// corpora of fewer than 19 documents.
    pub fn split(&self, split: Split) -> Vec<&Document> {
        self.documents
            .iter()
            .enumerate()
            .filter(|(i, _)| Split::of_index(*i) == split)
            .map(|(_, doc)| doc)
            .collect()
    }

    /// Like [`Corpus::split`] but an empty split is an error naming the corpus.
    pub fn nonempty_split(&self, split: Split) -> Result<Vec<&Document>> {
        let docs = self.split(split);
        if docs.is_empty() {
            return Err(TextError::EmptySplit {
                name: self.name.clone(),
                split: split.name(),
                total: self.documents.len(),
            });
        }
        Ok(docs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_lines_are_dropped() {
        assert_eq!(drop_empty_lines("a\n\n  \n b \r\nc\n"), "a\n b \nc");
        assert_eq!(drop_empty_lines(" \n\t\n"), "");
        assert!(Document::new("x", "\n \n").is_none());
    }

    #[test]
    fn split_is_90_5_5_by_position() {
        let splits: Vec<Split> = (0..40).map(Split::of_index).collect();
        let count = |s| splits.iter().filter(|&&x| x == s).count();
        assert_eq!(count(Split::Train), 36);
        assert_eq!(count(Split::Validation), 2);
        assert_eq!(count(Split::Test), 2);
        assert_eq!(splits[18], Split::Validation);
        assert_eq!(splits[19], Split::Test);
        assert_eq!(splits[38], Split::Validation);
        assert_eq!(splits[39], Split::Test);
    }

    #[test]
    fn corpus_split_partitions_the_documents() {
        let corpus = Corpus::from_texts("nums", (0..45).map(|i| format!("doc {i}"))).unwrap();
        let all: usize = Split::ALL.iter().map(|&s| corpus.split(s).len()).sum();
        assert_eq!(all, 45);
        let validation: Vec<&str> = corpus
            .split(Split::Validation)
            .iter()
            .map(|d| d.text.as_str())
            .collect();
        assert_eq!(validation, ["doc 18", "doc 38"]);
        assert_eq!(corpus.split(Split::Test).len(), 2);
        assert_eq!(corpus.split(Split::Train).len(), 41);
    }

    #[test]
    fn empty_texts_are_dropped_and_all_empty_is_an_error() {
        let corpus = Corpus::from_texts("c", ["a", "", " \n ", "b"]).unwrap();
        assert_eq!(corpus.len(), 2);
        assert_eq!(corpus.documents()[1].source, "c:4");
        let err = Corpus::from_texts("c", ["", "\n"]).unwrap_err();
        assert!(matches!(err, TextError::EmptyCorpus { .. }), "{err}");
    }

    #[test]
    fn small_corpus_has_an_empty_validation_split_error() {
        let corpus = Corpus::from_texts("tiny", ["a", "b"]).unwrap();
        let err = corpus
            .nonempty_split(Split::Validation)
            .unwrap_err()
            .to_string();
        assert!(err.contains("validation") && err.contains("tiny"), "{err}");
        assert_eq!(corpus.nonempty_split(Split::Train).unwrap().len(), 2);
    }

    #[test]
    fn split_names_parse() {
        for split in Split::ALL {
            assert_eq!(split.name().parse::<Split>().unwrap(), split);
        }
        assert_eq!("valid".parse::<Split>().unwrap(), Split::Validation);
        assert!("dev".parse::<Split>().is_err());
    }
}
