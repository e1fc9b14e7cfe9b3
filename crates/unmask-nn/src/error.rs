use std::path::PathBuf;

/// Everything that can go wrong with a model's config or weight files: building, loading or
/// saving a model.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Write(#[from] unmask_io::WriteError),
    #[error("invalid model config: {0}")]
    Config(String),
    #[error("{path}: cannot read checkpoint: {reason}")]
    Checkpoint { path: PathBuf, reason: String },
    #[error("checkpoint is missing tensor `{name}` (expected shape {shape:?})")]
    MissingTensor { name: String, shape: Vec<usize> },
    #[error("checkpoint tensor `{name}` has shape {found:?}, the config expects {expected:?}")]
    ShapeMismatch {
        name: String,
        expected: Vec<usize>,
        found: Vec<usize>,
    },
    #[error("checkpoint has unexpected tensors: {}", .names.join(", "))]
    UnexpectedTensors { names: Vec<String> },
    #[error("checkpoint tensor `{name}` has unsupported dtype {dtype}")]
    UnsupportedDtype { name: String, dtype: String },
    #[error("{0}")]
    Invalid(String),
}
