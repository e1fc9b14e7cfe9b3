//! `unmask tokenizer train` reads corpora as `unmask train` does: a local corpus trains a
//! tokenizer, and an `hf:` Hub dataset goes to the Hub (here: offline, with an empty cache,
//! so the error names the dataset instead of a missing file called `hf:...`).

use std::process::Command;

fn unmask(args: &[&str], hf_home: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args(args)
        .env("HF_HOME", hf_home)
        .env("HF_HUB_CACHE", hf_home.join("hub"))
        .env("HF_HUB_OFFLINE", "1")
        .env_remove("HF_ENDPOINT")
        .output()
        .unwrap()
}

#[test]
fn a_local_corpus_trains_a_tokenizer() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = unmask_test_data::synthetic_corpus(tmp.path(), 40, 200);
    let out = tmp.path().join("tok");
    let output = unmask(
        &[
            "tokenizer",
            "train",
            "--corpus",
            corpus.to_str().unwrap(),
            "--vocab-size",
            "300",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(out.join("tokenizer.json").is_file(), "{stderr}");
}

#[test]
fn an_hf_corpus_goes_to_the_hub() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("tok");
    let output = unmask(
        &[
            "tokenizer",
            "train",
            "--corpus",
            "hf:Salesforce/wikitext/wikitext-2-raw-v1",
            "--out",
            out.to_str().unwrap(),
        ],
        tmp.path(),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Salesforce/wikitext"), "{stderr}");
    assert!(stderr.to_lowercase().contains("offline"), "{stderr}");
    assert!(!out.exists());
}
