//! Model and dataset resolution against a stand-in Hub on 127.0.0.1 (no real network needed).

use std::path::{Path, PathBuf};

use unmask_hub::{
    HubOptions, HubRepoKind, HubUnreachable, ModelSource, SourceError, TokenizerFiles, WeightsFile,
    resolve_dataset, resolve_model,
};
use unmask_test_data::hub_stand_in::{FakeRepo, StandInHub, closed_endpoint};

const COMMIT: &str = "1111111111111111111111111111111111111111";
const COMMIT_V1: &str = "2222222222222222222222222222222222222222";
const PARQUET_COMMIT: &str = "3333333333333333333333333333333333333333";

const CONFIG: &[u8] = br#"{"model_type":"roberta","vocab_size":8}"#;
const SAFETENSORS: &[u8] = b"\x08\x00\x00\x00\x00\x00\x00\x00{}      fake weights";
const TOKENIZER: &[u8] = br#"{"version":"1.0","model":{"type":"WordLevel"}}"#;
const TOKENIZER_CONFIG: &[u8] = br#"{"model_max_length":16}"#;

fn options(endpoint: &str, cache: &Path) -> HubOptions {
    HubOptions {
        endpoint: Some(endpoint.to_string()),
        cache_dir: Some(cache.to_path_buf()),
        offline: false,
        token: None,
        progress: false,
    }
}

fn tiny_model(id: &str) -> FakeRepo {
    FakeRepo::new(
        HubRepoKind::Model,
        id,
        "main",
        COMMIT,
        &[
            ("config.json", CONFIG),
            ("model.safetensors", SAFETENSORS),
            ("tokenizer.json", TOKENIZER),
            ("tokenizer_config.json", TOKENIZER_CONFIG),
        ],
    )
}

fn hub_source(text: &str) -> ModelSource {
    let source = ModelSource::parse(text).unwrap();
    assert!(matches!(source, ModelSource::Hub(_)), "{source:?}");
    source
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn unavailable_cause(error: &SourceError) -> &HubUnreachable {
    match error {
        SourceError::HubUnavailable(unavailable) => &unavailable.cause,
        other => panic!("expected HubUnavailable, got {other:?}"),
    }
}

#[test]
fn hub_model_is_downloaded_once_then_read_from_the_cache_without_network() {
    let cache = tempfile::tempdir().unwrap();
    let hub = StandInHub::start(vec![tiny_model("acme/tiny")]).unwrap();
    let options = options(&hub.endpoint(), cache.path());
    let source = hub_source("acme/tiny");

    let files = resolve_model(&source, &options).unwrap();
    let snapshot = cache
        .path()
        .join("models--acme--tiny/snapshots")
        .join(COMMIT);
    assert_eq!(files.dir, snapshot);
    assert_eq!(files.config, snapshot.join("config.json"));
    assert_eq!(read(&files.config), CONFIG);
    assert_eq!(
        files.weights,
        WeightsFile::Safetensors(snapshot.join("model.safetensors"))
    );
    assert_eq!(read(files.weights.path()), SAFETENSORS);
    assert_eq!(
        files.tokenizer,
        TokenizerFiles::Json(snapshot.join("tokenizer.json"))
    );
    assert_eq!(read(&snapshot.join("tokenizer.json")), TOKENIZER);
    assert_eq!(
        files.tokenizer_config,
        Some(snapshot.join("tokenizer_config.json"))
    );
    assert_eq!(files.special_tokens_map, None, "the repo has none");
    let first_requests = hub.requests();
    assert!(
        first_requests
            .iter()
            .any(|p| p == "/acme/tiny/resolve/main/model.safetensors")
    );
    assert!(
        first_requests
            .iter()
            .any(|p| p == "/acme/tiny/resolve/main/special_tokens_map.json")
    );
    assert!(
        !first_requests
            .iter()
            .any(|p| p.ends_with("pytorch_model.bin") || p.ends_with("vocab.txt")),
        "alternatives are not fetched once the preferred file exists: {first_requests:?}"
    );

    // Everything needed is cached (and the missing optional file is remembered): no request.
    let again = resolve_model(&source, &options).unwrap();
    assert_eq!(again, files);
    assert_eq!(hub.requests(), first_requests);

    // With the stand-in gone, any request would fail; the cache alone answers.
    hub.stop();
    assert_eq!(resolve_model(&source, &options).unwrap(), files);
}

#[test]
fn hub_model_falls_back_to_pytorch_bin_and_vocab_merges() {
    let cache = tempfile::tempdir().unwrap();
    let repo = FakeRepo::new(
        HubRepoKind::Model,
        "acme/old",
        "main",
        COMMIT,
        &[
            ("config.json", CONFIG),
            ("pytorch_model.bin", b"PK fake pickle"),
            ("vocab.json", br#"{"a":0}"#),
            ("merges.txt", b"#version: 0.2\na b\n"),
        ],
    );
    let hub = StandInHub::start(vec![repo]).unwrap();
    let files = resolve_model(
        &hub_source("acme/old"),
        &options(&hub.endpoint(), cache.path()),
    )
    .unwrap();
    let snapshot = cache
        .path()
        .join("models--acme--old/snapshots")
        .join(COMMIT);
    assert_eq!(
        files.weights,
        WeightsFile::PytorchBin(snapshot.join("pytorch_model.bin"))
    );
    assert_eq!(
        files.tokenizer,
        TokenizerFiles::VocabMerges {
            vocab: snapshot.join("vocab.json"),
            merges: snapshot.join("merges.txt")
        }
    );
    assert_eq!(read(files.weights.path()), b"PK fake pickle");
}

#[test]
fn hub_model_revision_is_fetched_and_cached_under_its_own_ref() {
    let cache = tempfile::tempdir().unwrap();
    let mut v1 = tiny_model("acme/tiny");
    v1.revision = "v1".to_string();
    v1.commit = COMMIT_V1.to_string();
    v1.files[0].1 = br#"{"model_type":"bert"}"#.to_vec();
    let hub = StandInHub::start(vec![tiny_model("acme/tiny"), v1]).unwrap();
    let options = options(&hub.endpoint(), cache.path());

    let files = resolve_model(&hub_source("acme/tiny@v1"), &options).unwrap();
    assert!(files.dir.ends_with(COMMIT_V1), "{}", files.dir.display());
    assert_eq!(read(&files.config), br#"{"model_type":"bert"}"#);
    assert_eq!(
        std::fs::read_to_string(cache.path().join("models--acme--tiny/refs/v1")).unwrap(),
        COMMIT_V1
    );
    assert!(hub.requests().iter().all(|p| !p.contains("/resolve/main/")));

    // The commit hash itself also works as a revision, from the cache alone.
    hub.stop();
    let by_commit =
        resolve_model(&hub_source(&format!("acme/tiny@{COMMIT_V1}")), &options).unwrap();
    assert_eq!(by_commit.config, files.config);
}

#[test]
fn unreachable_hub_with_an_empty_cache_explains_how_to_proceed() {
    let cache = tempfile::tempdir().unwrap();
    let options = options(&closed_endpoint().unwrap(), cache.path());
    let error = resolve_model(&hub_source("acme/tiny"), &options).unwrap_err();
    assert!(
        matches!(unavailable_cause(&error), HubUnreachable::Network(_)),
        "{error:?}"
    );
    let message = error.to_string();
    for expected in [
        "acme/tiny",
        "could not be reached",
        "config.json",
        "model.safetensors or pytorch_model.bin",
        "tokenizer.json or vocab.json + merges.txt or vocab.txt",
        "huggingface-cli download acme/tiny --local-dir DIR",
        "--model DIR",
        cache.path().to_str().unwrap(),
    ] {
        assert!(
            message.contains(expected),
            "missing {expected:?} in:\n{message}"
        );
    }
    assert!(
        !message.contains("tokenizer_config.json"),
        "optional files are not needed:\n{message}"
    );
}

#[test]
fn offline_mode_with_an_empty_cache_fails_without_contacting_the_hub() {
    let cache = tempfile::tempdir().unwrap();
    let hub = StandInHub::start(vec![tiny_model("acme/tiny")]).unwrap();
    let mut options = options(&hub.endpoint(), cache.path());
    options.offline = true;
    let error = resolve_model(&hub_source("acme/tiny"), &options).unwrap_err();
    assert_eq!(unavailable_cause(&error), &HubUnreachable::Offline);
    let message = error.to_string();
    for expected in ["HF_HUB_OFFLINE", "acme/tiny", "config.json", "--model DIR"] {
        assert!(
            message.contains(expected),
            "missing {expected:?} in:\n{message}"
        );
    }
    assert!(hub.requests().is_empty(), "{:?}", hub.requests());
}

#[test]
fn offline_mode_uses_a_filled_cache() {
    let cache = tempfile::tempdir().unwrap();
    let hub = StandInHub::start(vec![tiny_model("acme/tiny")]).unwrap();
    let mut options = options(&hub.endpoint(), cache.path());
    let online = resolve_model(&hub_source("acme/tiny"), &options).unwrap();
    let requests = hub.requests().len();
    options.offline = true;
    assert_eq!(
        resolve_model(&hub_source("acme/tiny"), &options).unwrap(),
        online
    );
    assert_eq!(hub.requests().len(), requests);
}

#[test]
fn cached_required_files_suffice_when_the_hub_is_unreachable() {
    let cache = tempfile::tempdir().unwrap();
    let hub = StandInHub::start(vec![tiny_model("acme/tiny")]).unwrap();
    let options_online = options(&hub.endpoint(), cache.path());
    let online = resolve_model(&hub_source("acme/tiny"), &options_online).unwrap();
    hub.stop();
    // Forget that special_tokens_map.json was missing: the next run would like to ask again.
    std::fs::remove_dir_all(cache.path().join("models--acme--tiny/.no_exist")).unwrap();
    let offline_net = options(&closed_endpoint().unwrap(), cache.path());
    assert_eq!(
        resolve_model(&hub_source("acme/tiny"), &offline_net).unwrap(),
        online
    );
}

#[test]
fn hub_repo_without_weights_names_the_missing_file() {
    let cache = tempfile::tempdir().unwrap();
    let repo = FakeRepo::new(
        HubRepoKind::Model,
        "acme/noweights",
        "main",
        COMMIT,
        &[("config.json", CONFIG), ("tokenizer.json", TOKENIZER)],
    );
    let hub = StandInHub::start(vec![repo]).unwrap();
    let error = resolve_model(
        &hub_source("acme/noweights"),
        &options(&hub.endpoint(), cache.path()),
    )
    .unwrap_err();
    assert!(
        matches!(error, SourceError::MissingOnHub { .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("acme/noweights")
            && message.contains("model.safetensors or pytorch_model.bin"),
        "{message}"
    );
}

#[test]
fn gated_repo_asks_for_a_token() {
    let cache = tempfile::tempdir().unwrap();
    let mut repo = tiny_model("acme/gated");
    repo.gated = true;
    let hub = StandInHub::start(vec![repo]).unwrap();
    let error = resolve_model(
        &hub_source("acme/gated"),
        &options(&hub.endpoint(), cache.path()),
    )
    .unwrap_err();
    assert!(
        matches!(error, SourceError::AccessDenied { status: 401, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("HF_TOKEN"), "{error}");
}

#[test]
fn local_directory_with_all_files_resolves_in_place() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("config.json", CONFIG),
        ("model.safetensors", SAFETENSORS),
        ("vocab.txt", b"[PAD]\n".as_slice()),
    ] {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let source = ModelSource::parse(dir.path().to_str().unwrap()).unwrap();
    assert_eq!(source, ModelSource::Local(dir.path().to_path_buf()));
    let files = resolve_model(
        &source,
        &HubOptions {
            offline: true,
            ..HubOptions::default()
        },
    )
    .unwrap();
    assert_eq!(files.dir, dir.path());
    assert_eq!(
        files.tokenizer,
        TokenizerFiles::WordPieceVocab(dir.path().join("vocab.txt"))
    );
    assert_eq!(files.tokenizer_config, None);
}

#[test]
fn local_directory_missing_weights_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.json"), CONFIG).unwrap();
    std::fs::write(dir.path().join("tokenizer.json"), TOKENIZER).unwrap();
    let source = ModelSource::Local(dir.path().to_path_buf());
    let error = resolve_model(&source, &HubOptions::default()).unwrap_err();
    match &error {
        SourceError::MissingLocalFiles { missing, .. } => {
            assert_eq!(missing, &["model.safetensors or pytorch_model.bin"])
        }
        other => panic!("expected MissingLocalFiles, got {other:?}"),
    }
    let message = error.to_string();
    assert!(
        message.contains(dir.path().to_str().unwrap()) && message.contains("model.safetensors"),
        "{message}"
    );
}

fn parquet_dataset(files: &[(&str, &[u8])]) -> FakeRepo {
    FakeRepo::new(
        HubRepoKind::Dataset,
        "acme/corpus",
        "refs/convert/parquet",
        PARQUET_COMMIT,
        files,
    )
}

fn corpus_files() -> Vec<(&'static str, &'static [u8])> {
    vec![
        (".gitattributes", b"*.parquet filter=lfs".as_slice()),
        ("raw/train/0000.parquet", b"PAR1 raw train 0"),
        ("raw/train/0001.parquet", b"PAR1 raw train 1"),
        ("raw/train/0002.parquet", b"PAR1 raw train 2"),
        ("raw/validation/0000.parquet", b"PAR1 raw validation 0"),
        ("tokenized/train/0000.parquet", b"PAR1 tokenized train 0"),
    ]
}

#[test]
fn dataset_shards_are_listed_downloaded_and_then_served_from_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let hub = StandInHub::start(vec![parquet_dataset(&corpus_files())]).unwrap();
    let options = options(&hub.endpoint(), cache.path());

    let shards = resolve_dataset("acme/corpus", Some("raw"), "train", &options).unwrap();
    let snapshot = cache
        .path()
        .join("datasets--acme--corpus/snapshots")
        .join(PARQUET_COMMIT);
    let expected: Vec<PathBuf> = (0..3)
        .map(|i| snapshot.join(format!("raw/train/{i:04}.parquet")))
        .collect();
    assert_eq!(shards, expected);
    for (i, shard) in shards.iter().enumerate() {
        assert_eq!(read(shard), format!("PAR1 raw train {i}").as_bytes());
    }
    let requests = hub.requests();
    assert_eq!(
        requests[0],
        "/api/datasets/acme/corpus/revision/refs%2Fconvert%2Fparquet"
    );
    // Each shard is asked twice (metadata, then body); last shard first, so that a cached
    // 0000.parquet means an earlier run finished.
    let prefix = "/datasets/acme/corpus/resolve/refs%2Fconvert%2Fparquet/raw/train/";
    let shard_requests: Vec<&str> = requests
        .iter()
        .filter_map(|p| p.strip_prefix(prefix))
        .collect();
    assert_eq!(
        shard_requests,
        [
            "0002.parquet",
            "0002.parquet",
            "0001.parquet",
            "0001.parquet",
            "0000.parquet",
            "0000.parquet"
        ]
    );
    assert!(
        !requests
            .iter()
            .any(|p| p.contains("validation") || p.contains("tokenized")),
        "{requests:?}"
    );

    hub.stop();
    assert_eq!(
        resolve_dataset("acme/corpus", Some("raw"), "train", &options).unwrap(),
        expected
    );
}

#[test]
fn an_interrupted_dataset_download_is_not_mistaken_for_a_complete_one() {
    let cache = tempfile::tempdir().unwrap();
    let hub = StandInHub::start(vec![parquet_dataset(&corpus_files())]).unwrap();
    let options = options(&hub.endpoint(), cache.path());
    let shards = resolve_dataset("acme/corpus", Some("raw"), "train", &options).unwrap();
    // Shards are fetched last-first, so an interrupted run lacks 0000.parquet.
    std::fs::remove_file(&shards[0]).unwrap();
    let before = hub.requests().len();
    assert_eq!(
        resolve_dataset("acme/corpus", Some("raw"), "train", &options).unwrap(),
        shards
    );
    let new: Vec<String> = hub.requests()[before..].to_vec();
    assert!(
        new.iter().any(|p| p.ends_with("raw/train/0000.parquet")),
        "{new:?}"
    );
    assert!(
        !new.iter()
            .any(|p| p.ends_with("0001.parquet") || p.ends_with("0002.parquet")),
        "cached shards are reused: {new:?}"
    );
}

#[test]
fn dataset_without_a_listing_api_is_probed_shard_by_shard() {
    let cache = tempfile::tempdir().unwrap();
    let repo = parquet_dataset(&[
        ("default/test/0000.parquet", b"PAR1 t0"),
        ("default/test/0001.parquet", b"PAR1 t1"),
    ]);
    let hub = StandInHub::start_without_listing(vec![repo]).unwrap();
    let options = options(&hub.endpoint(), cache.path());
    let shards = resolve_dataset("acme/corpus", None, "test", &options).unwrap();
    assert_eq!(shards.len(), 2);
    assert_eq!(read(&shards[1]), b"PAR1 t1");
    assert!(
        hub.requests()
            .iter()
            .any(|p| p.ends_with("default/test/0002.parquet")),
        "probing stops at the first 404"
    );

    hub.stop();
    assert_eq!(
        resolve_dataset("acme/corpus", None, "test", &options).unwrap(),
        shards
    );
}

#[test]
fn dataset_config_and_split_mistakes_list_what_exists() {
    let cache = tempfile::tempdir().unwrap();
    let hub = StandInHub::start(vec![parquet_dataset(&corpus_files())]).unwrap();
    let options = options(&hub.endpoint(), cache.path());

    let error = resolve_dataset("acme/corpus", Some("raw"), "tset", &options).unwrap_err();
    assert!(
        matches!(error, SourceError::DatasetSplitNotFound { .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("raw/train, raw/validation, tokenized/train"),
        "{error}"
    );

    let error = resolve_dataset("acme/corpus", None, "train", &options).unwrap_err();
    assert!(
        matches!(error, SourceError::DatasetConfigAmbiguous { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("raw, tokenized"), "{error}");

    // Only one config has a validation split, so it needs no name.
    let shards = resolve_dataset("acme/corpus", None, "validation", &options).unwrap();
    assert_eq!(read(&shards[0]), b"PAR1 raw validation 0");
}

#[test]
fn dataset_without_hub_access_explains_how_to_proceed() {
    let cache = tempfile::tempdir().unwrap();
    let error = resolve_dataset(
        "acme/corpus",
        Some("raw"),
        "train",
        &options(&closed_endpoint().unwrap(), cache.path()),
    )
    .unwrap_err();
    assert!(
        matches!(unavailable_cause(&error), HubUnreachable::Network(_)),
        "{error:?}"
    );
    let message = error.to_string();
    for expected in [
        "acme/corpus",
        "raw/train/",
        "--repo-type dataset",
        "--revision refs/convert/parquet",
    ] {
        assert!(
            message.contains(expected),
            "missing {expected:?} in:\n{message}"
        );
    }

    let mut offline = options(&closed_endpoint().unwrap(), cache.path());
    offline.offline = true;
    let error = resolve_dataset("acme/corpus", Some("raw"), "train", &offline).unwrap_err();
    assert_eq!(unavailable_cause(&error), &HubUnreachable::Offline);
}

#[test]
fn only_the_files_missing_from_the_cache_are_downloaded() {
    let cache = tempfile::tempdir().unwrap();
    let hub = StandInHub::start(vec![tiny_model("acme/tiny")]).unwrap();
    let options = options(&hub.endpoint(), cache.path());
    let files = resolve_model(&hub_source("acme/tiny"), &options).unwrap();
    std::fs::remove_file(files.weights.path()).unwrap();
    let before = hub.requests().len();

    assert_eq!(
        resolve_model(&hub_source("acme/tiny"), &options).unwrap(),
        files
    );
    let new: Vec<String> = hub.requests()[before..].to_vec();
    assert_eq!(
        new,
        [
            "/acme/tiny/resolve/main/model.safetensors",
            "/acme/tiny/resolve/main/model.safetensors"
        ]
    );
}
