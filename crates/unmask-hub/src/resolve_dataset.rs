//! Hub datasets to local Parquet files, through the Hub's automatic Parquet conversion.
//!
//! The Hub converts every public dataset to Parquet on the branch `refs/convert/parquet` of the
//! dataset repository, one folder per config and split: `<config>/<split>/0000.parquet`,
//! `0001.parquet`, ... (`<config>/partial-<split>/` when only the first part of a very large
//! split was converted). Datasets without named configs use the config `default`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use hf_hub::{Repo, RepoType};

use crate::hub_cache::CachedRepo;
use crate::hub_client::{HubClient, HubFailure};
use crate::model_source::validate_repo_id;
use crate::{HubOptions, HubRepoKind, HubTarget, HubUnavailable, HubUnreachable, SourceError};

/// The branch holding the Hub's Parquet conversion of a dataset.
pub const PARQUET_REVISION: &str = "refs/convert/parquet";

/// The config name the Hub uses for datasets without named configs.
pub const DEFAULT_CONFIG: &str = "default";

/// More shards than any real split has; bounds probing against a misbehaving endpoint.
const MAX_PROBED_SHARDS: usize = 100_000;

/// The local Parquet shards, in order, of one split of a Hub dataset.
///
/// `config` `None` picks `default`, or the only config that has `split`. The cache is read
/// first: a split whose shards `0000.parquet`..`NNNN.parquet` are all cached needs no network
/// (shards are downloaded last-first, so a cached `0000.parquet` means the run is complete).
/// Otherwise the shard list comes from the Hub's repository listing (or, for endpoints
/// without that API, from probing `0000`, `0001`, ... until a 404) and missing shards are
/// downloaded.
pub fn resolve_dataset(
    id: &str,
    config: Option<&str>,
    split: &str,
    options: &HubOptions,
) -> Result<Vec<PathBuf>, SourceError> {
    validate_repo_id(id).map_err(|reason| invalid_name("id", id, reason))?;
    if let Some(config) = config {
        validate_segment("config", config)?;
    }
    validate_segment("split", split)?;

    let cache_dir = options.cache_dir()?;
    let repo = Repo::with_revision(
        id.to_string(),
        RepoType::Dataset,
        PARQUET_REVISION.to_string(),
    );
    let target = HubTarget {
        kind: HubRepoKind::Dataset,
        id: id.to_string(),
        revision: PARQUET_REVISION.to_string(),
    };
    let cached = CachedRepo::new(&cache_dir, &repo);
    if let Some(shards) = cached_shards(&cached, &target, config, split)? {
        return Ok(shards);
    }
    let unavailable = |cause| -> SourceError {
        HubUnavailable {
            target: target.clone(),
            endpoint: options.endpoint().to_string(),
            cache_dir: cache_dir.clone(),
            needed: vec![format!(
                "{}/{split}/NNNN.parquet (all shards)",
                config.unwrap_or("<config>")
            )],
            cause,
        }
        .into()
    };
    if options.offline {
        return Err(unavailable(HubUnreachable::Offline));
    }

    let client = HubClient::new(options, &cache_dir, &target)?;
    let request_error = |file: &str, failure: HubFailure| match failure {
        HubFailure::Unreachable(reason) => unavailable(HubUnreachable::Network(reason)),
        other => other.into_source_error(&target, options.endpoint(), file),
    };
    let (commit, shards) = match client.list(&repo) {
        Ok(listing) => {
            let shards = listed_shards(&listing.files, &target, config, split)?;
            (Some(listing.commit), shards)
        }
        Err(HubFailure::NotFound | HubFailure::Other(_)) => {
            let config = config.unwrap_or(DEFAULT_CONFIG);
            let shards = probe_shards(&client, &repo, config, split)
                .map_err(|failure| request_error(&format!("{config}/{split}/"), failure))?;
            if shards.is_empty() {
                return Err(split_not_found(&target, config, split, Vec::new()));
            }
            (None, shards)
        }
        Err(failure) => return Err(request_error("the repository listing", failure)),
    };

    let mut paths = vec![PathBuf::new(); shards.len()];
    for (index, name) in shards.iter().enumerate().rev() {
        let cached_file = commit
            .as_deref()
            .and_then(|commit| cached.file(commit, name));
        paths[index] = match cached_file {
            Some(path) => path,
            None => client
                .download(&repo, name)
                .map_err(|failure| request_error(name, failure))?,
        };
    }
    Ok(paths)
}

fn invalid_name(what: &'static str, value: &str, reason: String) -> SourceError {
    SourceError::InvalidDatasetName {
        what,
        value: value.to_string(),
        reason,
    }
}

fn validate_segment(what: &'static str, value: &str) -> Result<(), SourceError> {
    if value.is_empty() {
        return Err(invalid_name(what, value, "it is empty".to_string()));
    }
    if value.contains(['/', '\\']) || value.starts_with('.') || value.trim() != value {
        return Err(invalid_name(
            what,
            value,
            "it must be one path segment: no `/`, `\\`, leading `.` or surrounding spaces"
                .to_string(),
        ));
    }
    Ok(())
}

fn split_not_found(
    target: &HubTarget,
    config: &str,
    split: &str,
    available: Vec<String>,
) -> SourceError {
    SourceError::DatasetSplitNotFound {
        target: Box::new(target.clone()),
        config: config.to_string(),
        split: split.to_string(),
        available,
    }
}

/// The split folders that may hold a split's shards, preferred first.
fn split_dirs(split: &str) -> [String; 2] {
    [split.to_string(), format!("partial-{split}")]
}

/// `default` if it is a candidate, else the only candidate; `Ok(None)` when there is none.
fn choose_config(
    candidates: &BTreeSet<String>,
    target: &HubTarget,
    split: &str,
) -> Result<Option<String>, SourceError> {
    if candidates.contains(DEFAULT_CONFIG) {
        return Ok(Some(DEFAULT_CONFIG.to_string()));
    }
    match candidates.len() {
        0 => Ok(None),
        1 => Ok(candidates.first().cloned()),
        _ => Err(SourceError::DatasetConfigAmbiguous {
            target: Box::new(target.clone()),
            split: split.to_string(),
            configs: candidates.iter().cloned().collect(),
        }),
    }
}

/// Shard names in numeric order (`0000` < `0001` < ... < `10000`).
fn sort_shards(shards: &mut [String]) {
    shards.sort_by(|a, b| (a.len(), a).cmp(&(b.len(), b)));
}

/// Whether sorted shard file names are exactly `0000.parquet`, `0001.parquet`, ...
fn is_complete_run(names: &[String]) -> bool {
    !names.is_empty()
        && names
            .iter()
            .enumerate()
            .all(|(index, name)| *name == format!("{index:04}.parquet"))
}

fn cached_shards(
    cached: &CachedRepo,
    target: &HubTarget,
    config: Option<&str>,
    split: &str,
) -> Result<Option<Vec<PathBuf>>, SourceError> {
    let Some(commit) = cached.commit() else {
        return Ok(None);
    };
    let snapshot = cached.snapshot_dir(&commit);
    let config = match config {
        Some(config) => config.to_string(),
        None => {
            let candidates = subdirs(&snapshot)
                .into_iter()
                .filter(|config| {
                    split_dirs(split).iter().any(|dir| {
                        snapshot
                            .join(config)
                            .join(dir)
                            .join("0000.parquet")
                            .is_file()
                    })
                })
                .collect();
            match choose_config(&candidates, target, split)? {
                Some(config) => config,
                None => return Ok(None),
            }
        }
    };
    for dir in split_dirs(split) {
        let folder = snapshot.join(&config).join(&dir);
        let mut names = parquet_files(&folder);
        sort_shards(&mut names);
        if is_complete_run(&names) {
            return Ok(Some(names.iter().map(|name| folder.join(name)).collect()));
        }
    }
    Ok(None)
}

fn subdirs(dir: &Path) -> BTreeSet<String> {
    read_names(dir, |path| path.is_dir())
}

fn parquet_files(dir: &Path) -> Vec<String> {
    read_names(dir, |path| {
        path.is_file() && path.extension().is_some_and(|e| e == "parquet")
    })
    .into_iter()
    .collect()
}

fn read_names(dir: &Path, keep: impl Fn(&Path) -> bool) -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeSet::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| keep(&entry.path()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect()
}

/// The shard paths of one split among a repository listing's file names.
fn listed_shards(
    files: &[String],
    target: &HubTarget,
    config: Option<&str>,
    split: &str,
) -> Result<Vec<String>, SourceError> {
    // (config, split folder, file) for every `<config>/<folder>/<file>.parquet`.
    let parquet: Vec<(&str, &str, &str)> = files
        .iter()
        .filter_map(|file| {
            let mut parts = file.split('/');
            match (parts.next(), parts.next(), parts.next(), parts.next()) {
                (Some(config), Some(folder), Some(name), None) if name.ends_with(".parquet") => {
                    Some((config, folder, name))
                }
                _ => None,
            }
        })
        .collect();
    let dirs = split_dirs(split);
    let config = match config {
        Some(config) => Some(config.to_string()),
        None => {
            let candidates = parquet
                .iter()
                .filter(|(_, folder, _)| dirs.iter().any(|dir| dir == folder))
                .map(|(config, _, _)| config.to_string())
                .collect();
            choose_config(&candidates, target, split)?
        }
    };
    if let Some(config) = &config {
        for dir in &dirs {
            let mut shards: Vec<String> = parquet
                .iter()
                .filter(|(c, folder, _)| c == config && folder == dir)
                .map(|(_, _, name)| name.to_string())
                .collect();
            if !shards.is_empty() {
                sort_shards(&mut shards);
                return Ok(shards
                    .into_iter()
                    .map(|name| format!("{config}/{dir}/{name}"))
                    .collect());
            }
        }
    }
    let available: BTreeSet<String> = parquet
        .iter()
        .map(|(config, folder, _)| format!("{config}/{folder}"))
        .collect();
    Err(split_not_found(
        target,
        config.as_deref().unwrap_or("<any>"),
        split,
        available.into_iter().collect(),
    ))
}

/// `0000.parquet`, `0001.parquet`, ... of `<config>/<split>/` until the first missing one.
fn probe_shards(
    client: &HubClient,
    repo: &Repo,
    config: &str,
    split: &str,
) -> Result<Vec<String>, HubFailure> {
    let mut shards = Vec::new();
    for index in 0..MAX_PROBED_SHARDS {
        let name = format!("{config}/{split}/{index:04}.parquet");
        if !client.exists(repo, &name)? {
            break;
        }
        shards.push(name);
    }
    Ok(shards)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> HubTarget {
        HubTarget {
            kind: HubRepoKind::Dataset,
            id: "o/d".into(),
            revision: PARQUET_REVISION.into(),
        }
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn listing_picks_the_split_folder_in_numeric_order() {
        let files = strings(&[
            ".gitattributes",
            "a/train/0001.parquet",
            "a/train/0000.parquet",
            "a/test/0000.parquet",
            "b/train/0000.parquet",
        ]);
        let shards = listed_shards(&files, &target(), Some("a"), "train").unwrap();
        assert_eq!(shards, ["a/train/0000.parquet", "a/train/0001.parquet"]);
    }

    #[test]
    fn listing_falls_back_to_the_partial_split() {
        let files = strings(&["c/partial-train/0000.parquet", "c/test/0000.parquet"]);
        let shards = listed_shards(&files, &target(), None, "train").unwrap();
        assert_eq!(shards, ["c/partial-train/0000.parquet"]);
    }

    #[test]
    fn listing_without_the_split_names_what_exists() {
        let files = strings(&["a/train/0000.parquet", "a/test/0000.parquet"]);
        let error = listed_shards(&files, &target(), Some("a"), "validation").unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains("a/test, a/train") && text.contains("`validation`"),
            "{text}"
        );
    }

    #[test]
    fn config_choice_prefers_default_then_the_only_one() {
        let set = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(
            choose_config(&set(&["x", "default"]), &target(), "t")
                .unwrap()
                .as_deref(),
            Some("default")
        );
        assert_eq!(
            choose_config(&set(&["x"]), &target(), "t")
                .unwrap()
                .as_deref(),
            Some("x")
        );
        assert_eq!(choose_config(&set(&[]), &target(), "t").unwrap(), None);
        let error = choose_config(&set(&["x", "y"]), &target(), "t").unwrap_err();
        assert!(error.to_string().contains("x, y"), "{error}");
    }

    #[test]
    fn shard_runs_must_start_at_zero_without_gaps() {
        let mut names = strings(&["0010.parquet", "0002.parquet"]);
        names.extend(
            (0..10)
                .filter(|i| *i != 2)
                .map(|i| format!("{i:04}.parquet")),
        );
        sort_shards(&mut names);
        assert!(is_complete_run(&names));
        assert!(!is_complete_run(&strings(&["0001.parquet"])));
        assert!(!is_complete_run(&strings(&[
            "0000.parquet",
            "0002.parquet"
        ])));
        assert!(!is_complete_run(&[]));
        let mut big = strings(&["10000.parquet", "9999.parquet"]);
        sort_shards(&mut big);
        assert_eq!(big, ["9999.parquet", "10000.parquet"]);
    }

    #[test]
    fn names_that_are_not_one_segment_are_rejected() {
        for bad in ["", "a/b", "..", ".hidden", " train"] {
            assert!(validate_segment("split", bad).is_err(), "{bad:?}");
        }
        assert!(validate_segment("config", "wikitext-2-raw-v1").is_ok());
    }
}
