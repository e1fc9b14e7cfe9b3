//! hf-hub's sync API, configured from [`HubOptions`], with its errors sorted into what callers
//! act on: missing file, refused access, unreachable Hub, anything else.

use std::path::{Path, PathBuf};

use hf_hub::Repo;
use hf_hub::api::sync::{Api, ApiBuilder, ApiError};

use crate::{HubOptions, HubTarget, SourceError};

/// What went wrong with one Hub request.
#[derive(Debug)]
pub(crate) enum HubFailure {
    /// HTTP 404: the file (or repository, or revision) does not exist.
    NotFound,
    /// HTTP 401/403.
    Denied(u16),
    /// No answer: connection, DNS, TLS, timeout.
    Unreachable(String),
    /// An answer that is not what the Hub sends, or a local I/O error.
    Other(String),
}

impl HubFailure {
    fn from_api(error: ApiError) -> Self {
        match error {
            ApiError::RequestError(request) => Self::from_request(*request),
            ApiError::TooManyRetries(inner) => Self::from_api(*inner),
            other => HubFailure::Other(other.to_string()),
        }
    }

    fn from_request(error: ureq::Error) -> Self {
        match error {
            ureq::Error::StatusCode(404) => HubFailure::NotFound,
            ureq::Error::StatusCode(status @ (401 | 403)) => HubFailure::Denied(status),
            ureq::Error::StatusCode(status) => HubFailure::Other(format!("HTTP status {status}")),
            ureq::Error::Json(error) => HubFailure::Other(format!("unexpected answer: {error}")),
            transport => HubFailure::Unreachable(transport.to_string()),
        }
    }

    /// The error for a failure that is not a 404 or an unreachable Hub.
    pub fn into_source_error(self, target: &HubTarget, endpoint: &str, file: &str) -> SourceError {
        match self {
            HubFailure::Denied(status) => SourceError::AccessDenied {
                target: Box::new(target.clone()),
                endpoint: endpoint.to_string(),
                file: file.to_string(),
                status,
            },
            other => SourceError::HubRequest {
                target: Box::new(target.clone()),
                endpoint: endpoint.to_string(),
                file: file.to_string(),
                reason: match other {
                    HubFailure::NotFound => "not found (HTTP 404)".to_string(),
                    HubFailure::Unreachable(reason) | HubFailure::Other(reason) => reason,
                    HubFailure::Denied(_) => unreachable!("handled above"),
                },
            },
        }
    }
}

/// A repository listing from the Hub's `api/<models|datasets>/<id>/revision/<rev>` endpoint.
pub(crate) struct RepoListing {
    pub commit: String,
    pub files: Vec<String>,
}

pub(crate) struct HubClient {
    api: Api,
}

impl HubClient {
    pub fn new(
        options: &HubOptions,
        cache_dir: &Path,
        target: &HubTarget,
    ) -> Result<Self, SourceError> {
        let mut builder = ApiBuilder::from_cache(hf_hub::Cache::new(cache_dir.to_path_buf()))
            .with_endpoint(options.endpoint().to_string())
            .with_progress(options.progress)
            .with_user_agent("unmask", env!("CARGO_PKG_VERSION"));
        if let Some(token) = &options.token {
            builder = builder.with_token(Some(token.clone()));
        }
        let api = builder.build().map_err(|error| SourceError::HubRequest {
            target: Box::new(target.clone()),
            endpoint: options.endpoint().to_string(),
            file: String::new(),
            reason: format!("cannot build the HTTP client: {error}"),
        })?;
        Ok(Self { api })
    }

    /// Downloads `file` into the cache, returning its snapshot path.
    pub fn download(&self, repo: &Repo, file: &str) -> Result<PathBuf, HubFailure> {
        self.api
            .repo(repo.clone())
            .download(file)
            .map_err(HubFailure::from_api)
    }

    /// Whether `file` exists, asking for its metadata only.
    pub fn exists(&self, repo: &Repo, file: &str) -> Result<bool, HubFailure> {
        let url = self.api.repo(repo.clone()).url(file);
        match self.api.metadata(&url).map_err(HubFailure::from_api) {
            Ok(_) => Ok(true),
            Err(HubFailure::NotFound) => Ok(false),
            Err(other) => Err(other),
        }
    }

    /// The repository's commit and file names at the repo's revision.
    pub fn list(&self, repo: &Repo) -> Result<RepoListing, HubFailure> {
        let info = self
            .api
            .repo(repo.clone())
            .info()
            .map_err(HubFailure::from_api)?;
        Ok(RepoListing {
            commit: info.sha,
            files: info.siblings.into_iter().map(|s| s.rfilename).collect(),
        })
    }
}
