use std::path::Path;

use crate::error::{ReportError, Result};

/// Writes `contents` to `path` through the workspace's atomic write (`unmask_io`): a reader
/// never sees a half-written file. The directory must already exist.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    unmask_io::write_atomic(path, contents).map_err(|source| ReportError::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;

    #[test]
    fn writes_and_replaces_a_file_without_leaving_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.txt")]);
    }

    #[test]
    fn a_missing_directory_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("a.txt");
        let error = write_atomic(&path, b"x").unwrap_err();
        let message = error.to_string();
        assert!(message.contains("a.txt"), "{message}");
        assert!(message.contains("exists"), "{message}");
    }
}
