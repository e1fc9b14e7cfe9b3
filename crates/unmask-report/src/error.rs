use std::path::PathBuf;

/// Everything that can go wrong while building or writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(
        "could not {action} `{path}`: {source}; check that the directory exists and is writable"
    )]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(transparent)]
    Write(#[from] unmask_io::WriteError),

    #[error("a denoising animation needs every frame the size of the canvas: {0}")]
    AnimationShape(String),

    #[error("invalid SVG: {0}")]
    InvalidSvg(String),

    #[error(
        "invalid report file name `{name}`: {reason}; use a plain file name such as `loss.svg` \
         (letters, digits, `.`, `_`, `-`)"
    )]
    InvalidFileName { name: String, reason: &'static str },

    #[error(
        "the report already has a file named `{0}`; give each figure/CSV/JSON file its own name"
    )]
    DuplicateFileName(String),

    #[error("table row {row} has {found} cells but the table has {expected} columns")]
    RowLength {
        row: usize,
        expected: usize,
        found: usize,
    },

    #[error("could not serialize `{name}` to JSON: {source}")]
    Json {
        name: String,
        #[source]
        source: serde_json::Error,
    },
}

pub type Result<T, E = ReportError> = std::result::Result<T, E>;
