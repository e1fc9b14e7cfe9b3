use std::io;
use std::path::Path;

/// Checks, before any long work, that [`crate::write_atomic`] will be able to write `path`:
/// it names a file (not an existing directory) in an existing directory where a file can be
/// created. The error says which of these fails and names the path.
pub fn check_writable(path: &Path) -> io::Result<()> {
    let fail = |kind, message: String| Err(io::Error::new(kind, message));
    let shown = path.display();
    if path.is_dir() {
        return fail(
            io::ErrorKind::IsADirectory,
            format!("{shown} is a directory; name a file in it instead"),
        );
    }
    if path.file_name().is_none() {
        return fail(
            io::ErrorKind::InvalidInput,
            format!("{shown} names no file"),
        );
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !dir.exists() {
        return fail(
            io::ErrorKind::NotFound,
            format!(
                "the directory {} of {shown} does not exist; create it first",
                dir.display()
            ),
        );
    }
    if !dir.is_dir() {
        return fail(
            io::ErrorKind::NotADirectory,
            format!(
                "{} (the directory of {shown}) is not a directory",
                dir.display()
            ),
        );
    }
    tempfile::Builder::new()
        .prefix(".unmask-write-check.")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "no file can be created in {} ({e}), so {shown} cannot be written",
                    dir.display()
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_in_an_existing_directory_is_writable_and_nothing_is_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        check_writable(&dir.path().join("out.svg")).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn directories_and_missing_parents_are_errors_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let err = check_writable(dir.path()).unwrap_err();
        assert!(err.to_string().contains("is a directory"), "{err}");
        let missing = dir.path().join("missing").join("out.svg");
        let err = check_writable(&missing).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        assert!(err.to_string().contains("missing"), "{err}");
        let file = dir.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let err = check_writable(&file.join("out.svg")).unwrap_err();
        assert!(err.to_string().contains("not a directory"), "{err}");
    }

    /// A directory without write permission refuses the path, exactly when a file cannot be
    /// created there (root can).
    #[cfg(unix)]
    #[test]
    fn a_read_only_directory_is_refused_when_nothing_can_be_created_in_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let locked = dir.path().join("locked");
        std::fs::create_dir(&locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
        let result = check_writable(&locked.join("out.svg"));
        let can_create = std::fs::File::create(locked.join("probe")).is_ok();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(result.is_ok(), can_create, "{result:?}");
        if let Err(err) = result {
            assert!(err.to_string().contains("no file can be created"), "{err}");
        }
    }
}
