//! Reading documents from text, JSON Lines and Parquet files and from directories of them.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::corpus::Document;
use crate::error::{Result, TextError};

/// The file formats a corpus can be read from, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CorpusFormat {
    Text,
    JsonLines,
    Parquet,
}

impl CorpusFormat {
    pub fn of(path: &Path) -> Option<Self> {
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        match extension.as_deref() {
            None | Some("txt" | "text" | "raw") => Some(Self::Text),
            Some("jsonl" | "ndjson") => Some(Self::JsonLines),
            Some("parquet") => Some(Self::Parquet),
            Some(_) => None,
        }
    }
}

/// Documents of a file or directory (see `Corpus::load` for the rules).
pub(crate) fn read_documents(path: &Path) -> Result<Vec<Document>> {
    if path.is_dir() {
        return read_directory(path);
    }
    if !path.exists() {
        return Err(TextError::MissingCorpus {
            path: path.to_owned(),
            named: crate::corpus_spec::NamedCorpus::names(),
        });
    }
    match CorpusFormat::of(path) {
        Some(CorpusFormat::Text) => read_text_lines(path),
        Some(CorpusFormat::JsonLines) => read_json_lines(path),
        Some(CorpusFormat::Parquet) => read_parquet(path, &display_name(path)),
        None => Err(TextError::UnsupportedCorpusFile {
            path: path.to_owned(),
        }),
    }
}

/// One document per non-empty line.
pub(crate) fn read_text_lines(path: &Path) -> Result<Vec<Document>> {
    let text = read_utf8(path)?;
    let name = display_name(path);
    Ok(text
        .lines()
        .enumerate()
        .filter_map(|(i, line)| Document::new(format!("{name}:{}", i + 1), line))
        .collect())
}

/// One document per line's `text` field; blank lines are skipped.
pub(crate) fn read_json_lines(path: &Path) -> Result<Vec<Document>> {
    let file = File::open(path).map_err(|e| TextError::io("open", path, e))?;
    let name = display_name(path);
    let mut documents = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line_number = index + 1;
        let error = |message: String| TextError::JsonLines {
            path: path.to_owned(),
            line: line_number,
            message,
        };
        let line = line.map_err(|e| error(format!("cannot read the line: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let value: Value =
            serde_json::from_str(&line).map_err(|e| error(format!("invalid JSON: {e}")))?;
        let text = match value.get("text") {
            Some(Value::String(text)) => text,
            Some(other) => {
                return Err(error(format!(
                    "the `text` field must be a string, found {}",
                    json_kind(other)
                )));
            }
            None => {
                return Err(error(
                    "no `text` field; every line must be an object like {\"text\": \"...\"}".into(),
                ));
            }
        };
        documents.extend(Document::new(format!("{name}:{line_number}"), text));
    }
    Ok(documents)
}

/// Every supported file under `dir`, recursively, in sorted path order. Hidden entries and
/// symbolic links to directories are skipped.
fn read_directory(dir: &Path) -> Result<Vec<Document>> {
    let mut files = Vec::new();
    collect_files(dir, &mut files)?;
    files.sort();
    let mut documents = Vec::new();
    for file in files {
        let source = file
            .strip_prefix(dir)
            .unwrap_or(&file)
            .to_string_lossy()
            .into_owned();
        match CorpusFormat::of(&file) {
            Some(CorpusFormat::Text) => documents.extend(Document::new(source, &read_utf8(&file)?)),
            Some(CorpusFormat::JsonLines) => documents.extend(read_json_lines(&file)?),
            Some(CorpusFormat::Parquet) => documents.extend(read_parquet(&file, &source)?),
            None => {}
        }
    }
    Ok(documents)
}

#[cfg(feature = "parquet")]
fn read_parquet(path: &Path, source: &str) -> Result<Vec<Document>> {
    crate::parquet_text::read_parquet_texts(path, source)
}

#[cfg(not(feature = "parquet"))]
fn read_parquet(path: &Path, _source: &str) -> Result<Vec<Document>> {
    Err(TextError::Parquet {
        path: path.to_owned(),
        message: "unmask-text was built without its `parquet` feature; rebuild with it".into(),
    })
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| TextError::io("list directory", dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| TextError::io("list directory", dir, e))?;
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let file_type = entry
            .file_type()
            .map_err(|e| TextError::io("inspect", &path, e))?;
        if file_type.is_dir() {
            collect_files(&path, files)?;
        } else if path.is_file() && path.extension().is_some() && CorpusFormat::of(&path).is_some()
        {
            files.push(path);
        }
    }
    Ok(())
}

fn read_utf8(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| TextError::io("read", path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        TextError::io(
            "read",
            path,
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            ),
        )
    })
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
