//! `--model` values: a local directory or a Hub id `owner/name[@revision]`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::SourceError;

/// Where a model comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    /// An existing local directory.
    Local(PathBuf),
    /// A Hugging Face Hub model repository.
    Hub(HubModelId),
}

/// A Hub model id with the revision to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubModelId {
    /// `owner/name` (or a legacy un-namespaced name like `roberta-base`).
    pub id: String,
    /// Branch, tag or commit; `main` when none was given.
    pub revision: String,
}

/// The revision used when an id has no `@revision`.
pub const DEFAULT_REVISION: &str = "main";

const MAX_NAME_LEN: usize = 96;

impl ModelSource {
    /// Reads a `--model` value.
    ///
    /// An existing path is a local directory. A value that looks like a path (starts with `.`,
    /// `/`, `~`, names a drive, or has two or more separators before any `@`) but does not
    /// exist is an error. Anything else must be a Hub id `owner/name` with an optional
    /// `@revision`.
    pub fn parse(input: &str) -> Result<Self, SourceError> {
        if input.is_empty() {
            return Err(SourceError::InvalidSource {
                input: input.to_string(),
                reason: "it is empty".to_string(),
            });
        }
        let path = Path::new(input);
        if path.exists() {
            return if path.is_dir() {
                Ok(ModelSource::Local(path.to_path_buf()))
            } else {
                Err(SourceError::NotADirectory(path.to_path_buf()))
            };
        }
        if looks_like_path(input) {
            return Err(SourceError::NoSuchDirectory(path.to_path_buf()));
        }
        HubModelId::parse(input).map(ModelSource::Hub)
    }
}

impl FromStr for ModelSource {
    type Err = SourceError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::parse(input)
    }
}

impl fmt::Display for ModelSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelSource::Local(dir) => write!(f, "{}", dir.display()),
            ModelSource::Hub(id) => write!(f, "{id}"),
        }
    }
}

impl HubModelId {
    /// Parses `owner/name`, `name` or either with `@revision`.
    pub fn parse(input: &str) -> Result<Self, SourceError> {
        let invalid = |reason: String| SourceError::InvalidSource {
            input: input.to_string(),
            reason,
        };
        let (id, revision) = match input.split_once('@') {
            Some((id, revision)) => (id, Some(revision)),
            None => (input, None),
        };
        validate_repo_id(id).map_err(invalid)?;
        let revision = match revision {
            Some(revision) => {
                validate_revision(revision).map_err(invalid)?;
                revision
            }
            None => DEFAULT_REVISION,
        };
        Ok(Self {
            id: id.to_string(),
            revision: revision.to_string(),
        })
    }
}

impl fmt::Display for HubModelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.revision == DEFAULT_REVISION {
            write!(f, "{}", self.id)
        } else {
            write!(f, "{}@{}", self.id, self.revision)
        }
    }
}

fn looks_like_path(input: &str) -> bool {
    let before_revision = input.split('@').next().unwrap_or(input);
    let separators = before_revision
        .chars()
        .filter(|&c| c == '/' || c == std::path::MAIN_SEPARATOR)
        .count();
    let mut chars = input.chars();
    let drive_prefix = matches!(
        (chars.next(), chars.next()),
        (Some(letter), Some(':')) if letter.is_ascii_alphabetic()
    );
    input.starts_with(['.', '/', '~', '\\'])
        || drive_prefix
        || separators >= 2
        || (std::path::MAIN_SEPARATOR == '\\' && before_revision.contains('\\'))
}

/// Hub rules, simplified: one or two parts of letters, digits, `-`, `_`, `.`; no `--` or `..`;
/// a part neither starts nor ends with `-` or `.`.
pub(crate) fn validate_repo_id(id: &str) -> Result<(), String> {
    let parts: Vec<&str> = id.split('/').collect();
    if parts.len() > 2 {
        return Err("a Hub id has at most one `/`".to_string());
    }
    for part in parts {
        validate_name(part)?;
    }
    Ok(())
}

fn validate_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a Hub id part is empty".to_string());
    }
    if name.len() > MAX_NAME_LEN {
        return Err(format!("`{name}` is longer than {MAX_NAME_LEN} characters"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!("`{name}` contains `{bad}`"));
    }
    if name.contains("--") || name.contains("..") {
        return Err(format!("`{name}` contains `--` or `..`"));
    }
    if name.starts_with(['-', '.']) || name.ends_with(['-', '.']) {
        return Err(format!("`{name}` starts or ends with `-` or `.`"));
    }
    Ok(())
}

fn validate_revision(revision: &str) -> Result<(), String> {
    if revision.is_empty() {
        return Err("the revision after `@` is empty".to_string());
    }
    if revision.contains("..") || revision.chars().any(|c| c.is_whitespace() || c == '\\') {
        return Err(format!(
            "revision `{revision}` contains `..`, whitespace or `\\`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hub(id: &str, revision: &str) -> ModelSource {
        ModelSource::Hub(HubModelId {
            id: id.to_string(),
            revision: revision.to_string(),
        })
    }

    #[test]
    fn hub_ids_with_and_without_revision() {
        assert_eq!(
            ModelSource::parse("FacebookAI/roberta-base").unwrap(),
            hub("FacebookAI/roberta-base", "main")
        );
        assert_eq!(
            ModelSource::parse("roberta-base").unwrap(),
            hub("roberta-base", "main")
        );
        assert_eq!(
            ModelSource::parse("owner/model_1.5@v2").unwrap(),
            hub("owner/model_1.5", "v2")
        );
        assert_eq!(
            ModelSource::parse("owner/name@refs/pr/1").unwrap(),
            hub("owner/name", "refs/pr/1")
        );
    }

    #[test]
    fn existing_directory_is_local_even_if_it_looks_like_an_id() {
        let parent = tempfile::tempdir().unwrap();
        let dir = parent.path().join("owner").join("name");
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(
            ModelSource::parse(dir.to_str().unwrap()).unwrap(),
            ModelSource::Local(dir)
        );
    }

    #[test]
    fn existing_file_is_rejected() {
        let file = tempfile::NamedTempFile::new().unwrap();
        let error = ModelSource::parse(file.path().to_str().unwrap()).unwrap_err();
        assert!(matches!(error, SourceError::NotADirectory(_)), "{error}");
    }

    #[test]
    fn missing_path_like_values_say_no_such_directory() {
        for input in [
            "./no-such-model",
            "/no/such/model",
            "~/model",
            "models/roberta/base",
            "../x",
        ] {
            let error = ModelSource::parse(input).unwrap_err();
            assert!(
                matches!(error, SourceError::NoSuchDirectory(_)),
                "{input}: {error}"
            );
            assert!(error.to_string().contains("does not exist"), "{error}");
        }
    }

    #[test]
    fn malformed_ids_are_rejected_with_a_reason() {
        for input in [
            "",
            "owner/na me",
            "owner/",
            "owner//x",
            "-owner/x",
            "a--b/c",
            "owner/name@",
            "o/n@a b",
        ] {
            let error = ModelSource::parse(input).unwrap_err();
            assert!(
                matches!(
                    error,
                    SourceError::InvalidSource { .. } | SourceError::NoSuchDirectory(_)
                ),
                "{input}: {error}"
            );
        }
        let error = ModelSource::parse("owner/na me").unwrap_err().to_string();
        assert!(
            error.contains("contains ` `") && error.contains("owner/name"),
            "{error}"
        );
    }

    proptest! {
        #[test]
        fn valid_ids_round_trip_through_display(
            owner in "[A-Za-z0-9]([A-Za-z0-9_]{0,10}[A-Za-z0-9])?",
            name in "[A-Za-z0-9]([A-Za-z0-9_.-]{0,20}[A-Za-z0-9])?",
            revision in proptest::option::of("[a-z0-9]{1,12}"),
        ) {
            prop_assume!(!name.contains("--") && !name.contains(".."));
            let text = match &revision {
                Some(revision) => format!("{owner}/{name}@{revision}"),
                None => format!("{owner}/{name}"),
            };
            prop_assume!(!Path::new(&text).exists());
            let parsed = ModelSource::parse(&text).unwrap();
            let expected = hub(&format!("{owner}/{name}"), revision.as_deref().unwrap_or("main"));
            prop_assert_eq!(&parsed, &expected);
            let shown = parsed.to_string();
            let shown_expected = if revision.as_deref().is_none_or(|r| r == "main") {
                format!("{owner}/{name}")
            } else {
                text.clone()
            };
            prop_assert_eq!(shown, shown_expected);
        }
    }
}
