use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// A write that failed, naming the file it was for. Its message holds the cause (with a hint
/// for a full disk), so it has no separate `source`: a printed error chain says each thing
/// once.
#[derive(Debug)]
pub struct WriteError {
    path: PathBuf,
    error: io::Error,
}

impl WriteError {
    pub fn new(path: &Path, error: io::Error) -> Self {
        Self {
            path: path.to_path_buf(),
            error,
        }
    }

    /// The file that was being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn kind(&self) -> io::ErrorKind {
        self.error.kind()
    }
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        match self.error.kind() {
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => write!(
                f,
                "cannot write {path}: the disk is full ({}); free some space and run again",
                self.error
            ),
            _ => write!(f, "cannot write {path}: {}", self.error),
        }
    }
}

impl std::error::Error for WriteError {}

/// For callers inside an `io::Result` (a streaming writer's closure): the kind is kept and
/// the message still names the file.
impl From<WriteError> for io::Error {
    fn from(error: WriteError) -> Self {
        io::Error::new(error.kind(), error)
    }
}
