//! The `hf:OWNER/NAME[/CONFIG]` corpus path against a Hub stand-in on 127.0.0.1 (no real
//! network) serving a tiny copy of the Hub's Parquet export of `Salesforce/wikitext`, config
//! `wikitext-2-raw-v1`: branch `refs/convert/parquet`, files
//! `wikitext-2-raw-v1/{train,validation}/0000.parquet`, one WikiText line per row in a string
//! column `text` (empty rows included, as in the real export).

use std::fs::File;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use parquet::data_type::{ByteArray, ByteArrayType};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use unmask_hub::{HubOptions, HubRepoKind, PARQUET_REVISION};
use unmask_test_data::hub_stand_in::{FakeRepo, StandInHub, closed_endpoint};
use unmask_text::Document;
use unmask_train::data::{CorpusSplits, load_hub_splits, load_splits};

const ID: &str = "Salesforce/wikitext";
const SPEC: &str = "Salesforce/wikitext/wikitext-2-raw-v1";
const COMMIT: &str = "b08601e04326c79dfdd32d625aee71d232d685c3";

/// Rows as WikiText stores them: blank rows between paragraphs, a leading space, `\n` ends.
const TRAIN_ROWS: &[&str] = &[
    "",
    " = Valkyria Chronicles III = \n",
    "",
    " Senjō no Valkyria 3 : Unrecorded Chronicles is a tactical role @-@ playing video game .\n",
    " \n",
    " The game began development in 2010 , carrying over a large portion of the work .\n",
];
const VALIDATION_ROWS: &[&str] = &[
    "",
    " = Homarus gammarus = \n",
    "",
    " Homarus gammarus , known as the European lobster or common lobster , is a species .\n",
];

/// The documents those rows must give: blank rows dropped, line ends removed.
const TRAIN_DOCS: &[&str] = &[
    " = Valkyria Chronicles III = ",
    " Senjō no Valkyria 3 : Unrecorded Chronicles is a tactical role @-@ playing video game .",
    " The game began development in 2010 , carrying over a large portion of the work .",
];
const VALIDATION_DOCS: &[&str] = &[
    " = Homarus gammarus = ",
    " Homarus gammarus , known as the European lobster or common lobster , is a species .",
];

/// A Parquet file with one nullable string column `text`, the schema of the Hub's export.
fn parquet_bytes(rows: &[&str]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("0000.parquet");
    let schema = Arc::new(
        parse_message_type("message schema { OPTIONAL BYTE_ARRAY text (STRING); }").unwrap(),
    );
    let mut writer =
        SerializedFileWriter::new(File::create(&path).unwrap(), schema, Default::default())
            .unwrap();
    let mut row_group = writer.next_row_group().unwrap();
    let mut column = row_group.next_column().unwrap().unwrap();
    let values: Vec<ByteArray> = rows.iter().map(|row| ByteArray::from(*row)).collect();
    let definition_levels = vec![1i16; rows.len()];
    column
        .typed::<ByteArrayType>()
        .write_batch(&values, Some(&definition_levels), None)
        .unwrap();
    column.close().unwrap();
    row_group.close().unwrap();
    writer.close().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
    bytes
}

fn wikitext_export() -> FakeRepo {
    let train = parquet_bytes(TRAIN_ROWS);
    let validation = parquet_bytes(VALIDATION_ROWS);
    let test = parquet_bytes(&[" = Robert Boulter = \n"]);
    FakeRepo::new(
        HubRepoKind::Dataset,
        ID,
        PARQUET_REVISION,
        COMMIT,
        &[
            (
                ".gitattributes",
                b"*.parquet filter=lfs diff=lfs merge=lfs -text\n",
            ),
            ("wikitext-2-raw-v1/test/0000.parquet", &test),
            ("wikitext-2-raw-v1/train/0000.parquet", &train),
            ("wikitext-2-raw-v1/validation/0000.parquet", &validation),
        ],
    )
}

fn options(endpoint: &str, cache: &Path) -> HubOptions {
    HubOptions {
        endpoint: Some(endpoint.to_string()),
        cache_dir: Some(cache.to_path_buf()),
        offline: false,
        token: None,
        progress: false,
    }
}

fn texts(docs: &[Document]) -> Vec<&str> {
    docs.iter().map(|d| d.text.as_str()).collect()
}

fn assert_wikitext(splits: &CorpusSplits) {
    assert_eq!(splits.name, "Salesforce-wikitext-wikitext-2-raw-v1");
    assert_eq!(texts(&splits.train), TRAIN_DOCS);
    assert_eq!(texts(&splits.validation), VALIDATION_DOCS);
}

/// The error of loading `spec`, with its causes.
fn load_error(spec: &str, options: &HubOptions) -> String {
    match load_hub_splits(spec, options) {
        Ok(splits) => panic!("`{spec}` loaded {} train documents", splits.train.len()),
        Err(error) => format!("{error:#}"),
    }
}

#[test]
fn hub_corpus_is_downloaded_once_then_read_from_the_cache() {
    let cache = tempfile::tempdir().unwrap();
    let hub = StandInHub::start(vec![wikitext_export()]).unwrap();
    let options = options(&hub.endpoint(), cache.path());

    let splits = load_hub_splits(SPEC, &options).unwrap();
    assert_wikitext(&splits);
    let requests = hub.requests();
    let resolve = "/datasets/Salesforce/wikitext/resolve/refs%2Fconvert%2Fparquet/";
    let downloaded: Vec<&str> = requests
        .iter()
        .filter_map(|path| path.strip_prefix(resolve))
        .collect();
    for shard in [
        "wikitext-2-raw-v1/train/0000.parquet",
        "wikitext-2-raw-v1/validation/0000.parquet",
    ] {
        assert!(downloaded.contains(&shard), "{shard} not in {requests:?}");
    }
    assert!(
        !downloaded.iter().any(|path| path.contains("/test/")),
        "only train and validation are needed: {requests:?}"
    );
    let snapshot = cache
        .path()
        .join("datasets--Salesforce--wikitext/snapshots")
        .join(COMMIT);
    assert!(
        snapshot
            .join("wikitext-2-raw-v1/train/0000.parquet")
            .is_file()
    );

    let before = requests.len();
    let again = load_hub_splits(SPEC, &options).unwrap();
    assert_wikitext(&again);
    let new = hub.requests()[before..].to_vec();
    assert!(new.is_empty(), "a cached corpus needs no network: {new:?}");

    // And with the Hub gone, offline mode reads the same cache.
    hub.stop();
    let offline = HubOptions {
        endpoint: Some(closed_endpoint().unwrap()),
        offline: true,
        ..options
    };
    assert_wikitext(&load_hub_splits(SPEC, &offline).unwrap());
}

#[test]
fn a_missing_config_names_the_configs_that_exist() {
    let cache = tempfile::tempdir().unwrap();
    let hub = StandInHub::start(vec![wikitext_export()]).unwrap();
    let options = options(&hub.endpoint(), cache.path());

    let message = load_error("Salesforce/wikitext/wikitext-103-raw-v1", &options);
    for expected in [
        "Salesforce/wikitext",
        "`wikitext-103-raw-v1`",
        "split `train`",
        "wikitext-2-raw-v1/train, wikitext-2-raw-v1/validation",
    ] {
        assert!(
            message.contains(expected),
            "missing {expected:?} in:\n{message}"
        );
    }
}

#[test]
fn an_unknown_dataset_is_an_error_naming_it() {
    let cache = tempfile::tempdir().unwrap();
    let hub = StandInHub::start(vec![wikitext_export()]).unwrap();
    let options = options(&hub.endpoint(), cache.path());
    let message = load_error("Salesforce/wikitxet", &options);
    assert!(message.contains("Salesforce/wikitxet"), "{message}");
}

#[test]
fn an_unreachable_hub_explains_how_to_proceed() {
    let cache = tempfile::tempdir().unwrap();
    let options = options(&closed_endpoint().unwrap(), cache.path());
    let message = load_error(SPEC, &options);
    for expected in [
        "could not be reached",
        options.endpoint(),
        "Salesforce/wikitext",
        "wikitext-2-raw-v1/train/",
        "--repo-type dataset --revision refs/convert/parquet",
    ] {
        assert!(
            message.contains(expected),
            "missing {expected:?} in:\n{message}"
        );
    }

    let offline = HubOptions {
        offline: true,
        ..options
    };
    let message = load_error(SPEC, &offline);
    assert!(message.contains("offline mode is on"), "{message}");
}

#[test]
fn a_malformed_hub_spec_shows_the_accepted_forms() {
    let options = options(&closed_endpoint().unwrap(), Path::new("/nonexistent"));
    for spec in ["wikitext", "a/b/c/d"] {
        let message = load_error(spec, &options);
        assert!(
            message.contains("hf:OWNER/NAME or hf:OWNER/NAME/CONFIG"),
            "{spec}: {message}"
        );
    }
}

/// Marks the child process of [`load_splits_takes_hub_options_from_the_environment`].
const CHILD_MARKER: &str = "UNMASK_TEST_HUB_CORPUS_CHILD";

/// `load_splits("hf:...")` reads `HubOptions::from_env`. Setting variables in this process
/// would race the other tests' threads, so this runs the test below in a child process whose
/// environment points at the stand-in.
#[test]
fn load_splits_takes_hub_options_from_the_environment() {
    let home = tempfile::tempdir().unwrap();
    let hub = StandInHub::start(vec![wikitext_export()]).unwrap();
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "load_splits_child_process",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_MARKER, "1")
        .env("HF_ENDPOINT", hub.endpoint())
        .env("HF_HOME", home.path())
        .env("HF_HUB_CACHE", home.path().join("hub"))
        .env_remove("HF_HUB_OFFLINE")
        .env_remove("HF_TOKEN")
        .status()
        .unwrap();
    assert!(status.success(), "the child process failed: {status}");
    let requests = hub.requests();
    assert!(
        requests
            .iter()
            .any(|path| path.ends_with("wikitext-2-raw-v1/validation/0000.parquet")),
        "the child asked the stand-in: {requests:?}"
    );
    assert!(
        home.path()
            .join("hub/datasets--Salesforce--wikitext/snapshots")
            .join(COMMIT)
            .join("wikitext-2-raw-v1/train/0000.parquet")
            .is_file(),
        "downloads go to HF_HUB_CACHE"
    );
}

#[test]
#[ignore = "run by load_splits_takes_hub_options_from_the_environment in a child process"]
fn load_splits_child_process() {
    if std::env::var_os(CHILD_MARKER).is_none() {
        return;
    }
    assert_wikitext(&load_splits(&format!("hf:{SPEC}")).unwrap());
}
