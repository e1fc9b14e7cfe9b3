//! Model and dataset sources for `unmask`: a local directory, or a Hugging Face Hub id that is
//! looked up in the hf-hub cache first and downloaded (hf-hub's sync API) only when missing.
//!
//! - [`ModelSource::parse`] + [`resolve_model`]: `--model DIR` or `--model owner/name[@rev]`
//!   to a [`ModelFiles`] (config, weights, tokenizer files in one directory).
//! - [`resolve_dataset`]: a Hub dataset split to its local Parquet shards.
//! - [`HubOptions`]: endpoint, cache, offline mode and token (`HubOptions::from_env`).
//! - Tests run against a Hub stand-in on 127.0.0.1 (`unmask_test_data::hub_stand_in`).
//!
//! See `docs/sources.md` for the cache layout and offline use.

mod error;
mod hub_cache;
mod hub_client;
mod model_files;
mod model_source;
mod options;
mod resolve_dataset;
mod resolve_model;

pub use error::{HubRepoKind, HubTarget, HubUnavailable, HubUnreachable, SourceError};
pub use model_files::{ModelFiles, TokenizerFiles, WeightsFile};
pub use model_source::{DEFAULT_REVISION, HubModelId, ModelSource};
pub use options::{DEFAULT_ENDPOINT, HubOptions};
pub use resolve_dataset::{DEFAULT_CONFIG, PARQUET_REVISION, resolve_dataset};
pub use resolve_model::{resolve_local_model, resolve_model};
