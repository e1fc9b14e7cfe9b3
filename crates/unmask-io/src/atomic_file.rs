use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use tempfile::NamedTempFile;

use crate::WriteError;

/// Writes `contents` to `path` atomically (see [`write_atomic_with`]).
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, |out| out.write_all(contents))
}

/// Writes `path` by streaming into a temporary file in the same directory (tempfile's unique
/// name, so concurrent writers never share one), flushing it to disk, renaming it over `path`
/// (tempfile's `persist`) and flushing the directory entry. The temporary file is removed if
/// `write` or any step fails. The directory must exist: a missing one is an error, not
/// created behind the caller's back. The error names `path`.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&File>) -> io::Result<()>,
) -> Result<(), WriteError> {
    write_or_clean_up(path, write).map_err(|error| WriteError::new(path, error))
}

fn write_or_clean_up(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&File>) -> io::Result<()>,
) -> io::Result<()> {
    let file_name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(file_name);
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // tempfile creates its files 0600; the file it becomes is an ordinary file, readable as
    // the umask allows (0644 under the usual 022), like one `std::fs::write` creates.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let temp = builder
        .tempfile_in(dir)
        .map_err(|e| missing_dir_hint(e, dir))?;
    fill(&temp, write)?;
    temp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
}

fn fill(
    temp: &NamedTempFile,
    write: impl FnOnce(&mut BufWriter<&File>) -> io::Result<()>,
) -> io::Result<()> {
    let mut out = BufWriter::new(temp.as_file());
    write(&mut out)?;
    out.flush()?;
    drop(out);
    temp.as_file().sync_all()
}

fn missing_dir_hint(error: io::Error, dir: &Path) -> io::Error {
    if error.kind() == io::ErrorKind::NotFound {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("the directory {} does not exist", dir.display()),
        )
    } else {
        error
    }
}

/// Makes the rename durable: on Linux a directory is opened read-only and fsynced.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_and_replaces_without_leaving_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert_eq!(names(dir.path()), ["a.txt"]);
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_removes_the_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("weights.bin");
        write_atomic(&path, b"good").unwrap();
        let error = write_atomic_with(&path, |out| {
            out.write_all(b"half of the new")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("cannot write {}: disk full", path.display())
        );
        assert_eq!(std::fs::read(&path).unwrap(), b"good");
        assert_eq!(names(dir.path()), ["weights.bin"]);
    }

    /// A full disk says so, names the file and leaves no temporary file behind.
    #[test]
    fn a_full_disk_is_named_with_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        let error = write_atomic_with(&path, |out| {
            out.write_all(b"part")?;
            Err(io::Error::from(io::ErrorKind::StorageFull))
        })
        .unwrap_err();
        let message = error.to_string();
        assert!(message.contains("the disk is full"), "{message}");
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert_eq!(error.kind(), io::ErrorKind::StorageFull);
        assert_eq!(error.path(), path);
        assert!(std::error::Error::source(&error).is_none());
        assert_eq!(names(dir.path()), Vec::<String>::new());
    }

    #[test]
    fn streams_large_contents() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ids.bin");
        write_atomic_with(&path, |out| {
            (0..100_000u32).try_for_each(|i| out.write_all(&i.to_le_bytes()))
        })
        .unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 400_000);
        assert_eq!(&bytes[399_996..], &99_999u32.to_le_bytes());
    }

    /// The written file has the mode `std::fs::write` gives a new file (0666 less the
    /// umask), not tempfile's private 0600.
    #[cfg(unix)]
    #[test]
    fn files_get_the_mode_of_ordinary_files() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ordinary = dir.path().join("ordinary");
        std::fs::write(&ordinary, b"x").unwrap();
        let want = std::fs::metadata(&ordinary).unwrap().permissions().mode() & 0o777;
        let path = dir.path().join("config.toml");
        write_atomic(&path, b"a = 1").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode, want,
            "{mode:o} vs {want:o} (tempfile's private 0600?)"
        );
    }

    #[test]
    fn a_missing_directory_or_file_name_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let error = write_atomic(&dir.path().join("missing/a.txt"), b"x").unwrap_err();
        assert!(error.to_string().contains("does not exist"), "{error}");
        assert!(error.to_string().contains("missing"), "{error}");
        let error = write_atomic(Path::new("/"), b"x").unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::InvalidInput);
    }
}
