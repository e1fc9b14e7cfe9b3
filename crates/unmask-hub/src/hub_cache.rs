//! Read-side view of one repository in the hf-hub cache.
//!
//! The layout is hf-hub's (and Python `huggingface_hub`'s): `<cache>/<models|datasets>--<owner>--<name>/`
//! with `refs/<revision>` holding a commit hash, `snapshots/<commit>/<file>` symlinks into
//! `blobs/`, and `.no_exist/<commit>/<file>` empty markers for files the Hub reported missing.

use std::path::{Path, PathBuf};

use hf_hub::{Cache, Repo};

use crate::SourceError;

pub(crate) struct CachedRepo {
    cache: Cache,
    repo: Repo,
    repo_dir: PathBuf,
}

impl CachedRepo {
    pub fn new(cache_dir: &Path, repo: &Repo) -> Self {
        Self {
            cache: Cache::new(cache_dir.to_path_buf()),
            repo: repo.clone(),
            repo_dir: cache_dir.join(repo.folder_name()),
        }
    }

    /// The commit the revision points to in the cache: the revision itself when it is a full
    /// commit hash, else the content of `refs/<revision>`.
    pub fn commit(&self) -> Option<String> {
        let revision = self.repo.revision();
        if is_commit_hash(revision) {
            return Some(revision.to_string());
        }
        let commit = std::fs::read_to_string(self.repo_dir.join("refs").join(revision)).ok()?;
        let commit = commit.trim();
        (!commit.is_empty()).then(|| commit.to_string())
    }

    pub fn snapshot_dir(&self, commit: &str) -> PathBuf {
        self.cache.repo(self.repo.clone()).pointer_path(commit)
    }

    /// The cached file (following the snapshot symlink to an existing blob).
    pub fn file(&self, commit: &str, name: &str) -> Option<PathBuf> {
        let path = self.snapshot_dir(commit).join(name);
        path.is_file().then_some(path)
    }

    fn no_exist_path(&self, commit: &str, name: &str) -> PathBuf {
        self.repo_dir.join(".no_exist").join(commit).join(name)
    }

    pub fn is_known_missing(&self, commit: &str, name: &str) -> bool {
        self.no_exist_path(commit, name).exists()
    }

    /// Records that the Hub has no `name` at `commit`, so later runs need not ask again.
    pub fn mark_missing(&self, commit: &str, name: &str) -> Result<(), SourceError> {
        let path = self.no_exist_path(commit, name);
        let cache_error = |source| SourceError::Cache {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(cache_error)?;
        }
        std::fs::write(&path, b"").map_err(cache_error)
    }
}

fn is_commit_hash(revision: &str) -> bool {
    revision.len() == 40 && revision.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hf_hub::RepoType;

    const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn finds_files_through_the_ref_and_remembers_missing_ones() {
        let cache = tempfile::tempdir().unwrap();
        let repo = Repo::with_revision("o/m".into(), RepoType::Model, "main".into());
        let cached = CachedRepo::new(cache.path(), &repo);
        assert_eq!(cached.commit(), None);

        let repo_dir = cache.path().join("models--o--m");
        std::fs::create_dir_all(repo_dir.join("refs")).unwrap();
        std::fs::write(repo_dir.join("refs/main"), format!("{COMMIT}\n")).unwrap();
        std::fs::create_dir_all(repo_dir.join("snapshots").join(COMMIT)).unwrap();
        std::fs::write(
            repo_dir.join("snapshots").join(COMMIT).join("config.json"),
            "{}",
        )
        .unwrap();

        assert_eq!(cached.commit().as_deref(), Some(COMMIT));
        assert!(cached.file(COMMIT, "config.json").is_some());
        assert!(cached.file(COMMIT, "vocab.txt").is_none());
        assert!(!cached.is_known_missing(COMMIT, "vocab.txt"));
        cached.mark_missing(COMMIT, "vocab.txt").unwrap();
        assert!(cached.is_known_missing(COMMIT, "vocab.txt"));
    }

    #[test]
    fn a_commit_revision_needs_no_ref() {
        let cache = tempfile::tempdir().unwrap();
        let repo = Repo::with_revision("o/m".into(), RepoType::Model, COMMIT.into());
        assert_eq!(
            CachedRepo::new(cache.path(), &repo).commit().as_deref(),
            Some(COMMIT)
        );
    }
}
