//! Model sources to local files: a directory is checked, a Hub id is looked up in the cache
//! first and downloaded only for what is missing.

use std::path::Path;

use hf_hub::{Repo, RepoType};

use crate::hub_cache::CachedRepo;
use crate::hub_client::{HubClient, HubFailure};
use crate::model_files::{FileGroup, MODEL_FILE_GROUPS};
use crate::{
    HubModelId, HubOptions, HubRepoKind, HubTarget, HubUnavailable, HubUnreachable, ModelFiles,
    ModelSource, SourceError,
};

/// Downloads can move `refs/<revision>` to a newer commit whose snapshot lacks files cached
/// under the old one; each extra pass fetches those. One pass is the usual case.
const MAX_FETCH_PASSES: usize = 3;

/// The local files of a model: config, weights, tokenizer (see [`ModelFiles`]).
///
/// Hub models are looked up in the cache first; the Hub is contacted only for files that are
/// not cached, and never when `options.offline` is set.
pub fn resolve_model(
    source: &ModelSource,
    options: &HubOptions,
) -> Result<ModelFiles, SourceError> {
    match source {
        ModelSource::Local(dir) => resolve_local_model(dir),
        ModelSource::Hub(id) => resolve_hub_model(id, options),
    }
}

/// The model files in a local directory, or an error naming what is missing.
pub fn resolve_local_model(dir: &Path) -> Result<ModelFiles, SourceError> {
    if !dir.exists() {
        return Err(SourceError::NoSuchDirectory(dir.to_path_buf()));
    }
    if !dir.is_dir() {
        return Err(SourceError::NotADirectory(dir.to_path_buf()));
    }
    ModelFiles::assemble(dir, |name| {
        let path = dir.join(name);
        path.is_file().then_some(path)
    })
    .map_err(|missing| SourceError::MissingLocalFiles {
        dir: dir.to_path_buf(),
        missing: describe(&missing),
    })
}

fn resolve_hub_model(id: &HubModelId, options: &HubOptions) -> Result<ModelFiles, SourceError> {
    let cache_dir = options.cache_dir()?;
    let repo = Repo::with_revision(id.id.clone(), RepoType::Model, id.revision.clone());
    let target = HubTarget {
        kind: HubRepoKind::Model,
        id: id.id.clone(),
        revision: id.revision.clone(),
    };
    let cached = CachedRepo::new(&cache_dir, &repo);
    let unavailable = |needed: Vec<&FileGroup>, cause| HubUnavailable {
        target: target.clone(),
        endpoint: options.endpoint().to_string(),
        cache_dir: cache_dir.clone(),
        needed: describe(&needed),
        cause,
    };

    let mut client = None;
    for _ in 0..MAX_FETCH_PASSES {
        let commit = cached.commit();
        let from_cache = commit
            .as_deref()
            .map(|commit| assemble_from_cache(&cached, commit));
        let unsatisfied: Vec<&FileGroup> = MODEL_FILE_GROUPS
            .into_iter()
            .filter(|group| !satisfied_by_cache(&cached, commit.as_deref(), group))
            .collect();
        let required_unsatisfied: Vec<&FileGroup> = unsatisfied
            .iter()
            .copied()
            .filter(|group| group.required)
            .collect();
        // Optional files are best effort: without the Hub, go on with what is cached.
        let cached_files = || match &from_cache {
            Some(Ok(files)) if required_unsatisfied.is_empty() => Some(files.clone()),
            _ => None,
        };
        if (unsatisfied.is_empty() || (options.offline && required_unsatisfied.is_empty()))
            && let Some(files) = cached_files()
        {
            return Ok(files);
        }
        if options.offline {
            return Err(unavailable(required_unsatisfied, HubUnreachable::Offline).into());
        }
        let client = match &mut client {
            Some(client) => client,
            None => client.insert(HubClient::new(options, &cache_dir, &target)?),
        };
        match fetch_groups(client, &repo, &cached, &unsatisfied) {
            Ok(()) => {}
            Err(FetchError::Unreachable(reason)) => {
                if let Some(files) = cached_files() {
                    return Ok(files);
                }
                let cause = HubUnreachable::Network(reason);
                return Err(unavailable(required_unsatisfied, cause).into());
            }
            Err(FetchError::Missing(missing)) => {
                return Err(SourceError::MissingOnHub {
                    target: Box::new(target.clone()),
                    endpoint: options.endpoint().to_string(),
                    missing: describe(&missing),
                });
            }
            Err(FetchError::Failed(file, failure)) => {
                return Err(failure.into_source_error(&target, options.endpoint(), &file));
            }
        }
    }
    Err(SourceError::HubRequest {
        target: Box::new(target),
        endpoint: options.endpoint().to_string(),
        file: "refs/".to_string() + &id.revision,
        reason: "the revision kept moving to new commits while downloading; try again".to_string(),
    })
}

fn assemble_from_cache(
    cached: &CachedRepo,
    commit: &str,
) -> Result<ModelFiles, Vec<&'static FileGroup>> {
    ModelFiles::assemble(&cached.snapshot_dir(commit), |name| {
        cached.file(commit, name)
    })
}

/// A required group is satisfied by any fully cached alternative; an optional one also by the
/// Hub having said it does not exist.
fn satisfied_by_cache(cached: &CachedRepo, commit: Option<&str>, group: &FileGroup) -> bool {
    let Some(commit) = commit else {
        return false;
    };
    group.find(&|name| cached.file(commit, name)).is_some()
        || (!group.required
            && group.alternatives.iter().all(|files| {
                files
                    .iter()
                    .any(|name| cached.is_known_missing(commit, name))
            }))
}

enum FetchError {
    Unreachable(String),
    /// Required groups the Hub has no alternative of.
    Missing(Vec<&'static FileGroup>),
    Failed(String, HubFailure),
}

/// Downloads the first available alternative of each group; records 404s in the cache.
fn fetch_groups(
    client: &HubClient,
    repo: &Repo,
    cached: &CachedRepo,
    groups: &[&'static FileGroup],
) -> Result<(), FetchError> {
    let mut missing = Vec::new();
    for group in groups {
        if !fetch_group(client, repo, cached, group)? && group.required {
            missing.push(*group);
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(FetchError::Missing(missing))
    }
}

/// Whether some alternative of `group` is now in the cache.
fn fetch_group(
    client: &HubClient,
    repo: &Repo,
    cached: &CachedRepo,
    group: &FileGroup,
) -> Result<bool, FetchError> {
    'alternatives: for files in group.alternatives {
        for &name in *files {
            let commit = cached.commit();
            if let Some(commit) = &commit {
                if cached.file(commit, name).is_some() {
                    continue;
                }
                if cached.is_known_missing(commit, name) {
                    continue 'alternatives;
                }
            }
            match client.download(repo, name) {
                Ok(_) => {}
                Err(HubFailure::NotFound) => {
                    if let Some(commit) = cached.commit() {
                        // Best effort: a marker that cannot be written only costs a request later.
                        let _ = cached.mark_missing(&commit, name);
                    }
                    continue 'alternatives;
                }
                Err(HubFailure::Unreachable(reason)) => {
                    return Err(FetchError::Unreachable(reason));
                }
                Err(failure) => return Err(FetchError::Failed(name.to_string(), failure)),
            }
        }
        return Ok(true);
    }
    Ok(false)
}

fn describe(groups: &[&FileGroup]) -> Vec<String> {
    groups.iter().map(|group| group.describe()).collect()
}
