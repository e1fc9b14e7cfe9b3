use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{ReportError, Result};

/// Writes `contents` to `path` through a temporary file in the same directory and a rename,
/// so a reader never sees a half-written file. The directory must already exist.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let file_name = path.file_name().ok_or_else(|| ReportError::Io {
        action: "write",
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path names no file"),
    })?;
    let temp_path = temp_path_for(path, file_name);
    let result = write_then_rename(&temp_path, path, contents);
    if result.is_err() {
        // Best effort: a leftover temp file is harmless but untidy.
        let _ = fs::remove_file(&temp_path);
    }
    result
}

fn temp_path_for(path: &Path, file_name: &std::ffi::OsStr) -> PathBuf {
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(file_name);
    temp_name.push(format!(".tmp{}", std::process::id()));
    path.with_file_name(temp_name)
}

fn write_then_rename(temp_path: &Path, path: &Path, contents: &[u8]) -> Result<()> {
    let io_error = |action, source| ReportError::Io {
        action,
        path: path.to_path_buf(),
        source,
    };
    let mut file =
        fs::File::create(temp_path).map_err(|e| io_error("create a temporary file for", e))?;
    file.write_all(contents).map_err(|e| io_error("write", e))?;
    file.sync_all().map_err(|e| io_error("flush", e))?;
    drop(file);
    fs::rename(temp_path, path).map_err(|e| io_error("move the finished file into", e))
}

#[cfg(test)]
mod tests {
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
