//! Where unmask keeps downloads and caches: `${UNMASK_CACHE:-$HOME/.cache/unmask}`.

use std::path::PathBuf;

use crate::error::{Result, TextError};

/// `$UNMASK_CACHE` when set and non-empty, else `$HOME/.cache/unmask`.
pub fn unmask_cache_dir() -> Result<PathBuf> {
    cache_dir_from(std::env::var_os("UNMASK_CACHE"), std::env::var_os("HOME"))
}

/// The directory of token-id caches: `<cache root>/tokens`.
pub fn default_token_cache_dir() -> Result<PathBuf> {
    Ok(unmask_cache_dir()?.join("tokens"))
}

fn cache_dir_from(
    unmask_cache: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> Result<PathBuf> {
    match (unmask_cache, home) {
        (Some(dir), _) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        (_, Some(home)) if !home.is_empty() => {
            Ok(PathBuf::from(home).join(".cache").join("unmask"))
        }
        _ => Err(TextError::NoCacheDir),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmask_cache_wins_over_home() {
        let dir = cache_dir_from(Some("/data/c".into()), Some("/home/u".into())).unwrap();
        assert_eq!(dir, PathBuf::from("/data/c"));
        let dir = cache_dir_from(Some("".into()), Some("/home/u".into())).unwrap();
        assert_eq!(dir, PathBuf::from("/home/u/.cache/unmask"));
        assert!(matches!(
            cache_dir_from(None, None),
            Err(TextError::NoCacheDir)
        ));
    }
}
