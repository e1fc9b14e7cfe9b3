//! `TextTokenizer::save` output loaded by Hugging Face `transformers.AutoTokenizer`.
//! Needs a Python with `transformers` named by the environment variable UNMASK_TEST_PYTHON
//! (e.g. a venv's bin/python), so it is `#[ignore]`d: listed as ignored in every run, never
//! passed silently. Run it with
//! `UNMASK_TEST_PYTHON=/path/to/python cargo test -p unmask-text --test hf_autotokenizer -- --ignored`;
//! run without the variable, it fails.

mod common;

use std::process::Command;

use unmask_text::{TextTokenizer, train_byte_level_bpe};

const TEXTS: [&str; 3] = [
    "hello world",
    "Hello, unaffable <mask> world! [MASK]",
    "  two  spaces\nnewline",
];

/// UNMASK_TEST_PYTHON; unset or empty fails the test.
fn python() -> String {
    std::env::var("UNMASK_TEST_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .expect(
            "set UNMASK_TEST_PYTHON to a python with `transformers` (e.g. a venv's bin/python) \
             to run this test",
        )
}

/// Ids `AutoTokenizer.from_pretrained(dir)` gives for each text (special tokens added),
/// and its mask token.
fn hf_ids(python: &str, dir: &std::path::Path) -> (Vec<Vec<u32>>, String) {
    let script = r#"
import json, sys
from transformers import AutoTokenizer
tok = AutoTokenizer.from_pretrained(sys.argv[1])
texts = json.loads(sys.argv[2])
print(json.dumps({"ids": [tok(t)["input_ids"] for t in texts], "mask": tok.mask_token}))
"#;
    let output = Command::new(python)
        .args([
            "-c",
            script,
            dir.to_str().unwrap(),
            &serde_json::to_string(&TEXTS).unwrap(),
        ])
        .output()
        .expect("UNMASK_TEST_PYTHON runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let json: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let ids = serde_json::from_value(json["ids"].clone()).unwrap();
    (ids, json["mask"].as_str().unwrap().to_owned())
}

fn assert_autotokenizer_agrees(python: &str, tokenizer: &TextTokenizer) {
    let dir = tempfile::tempdir().unwrap();
    tokenizer.save(dir.path()).unwrap();
    let (hf, mask) = hf_ids(python, dir.path());
    let ours: Vec<Vec<u32>> = TEXTS
        .iter()
        .map(|t| tokenizer.encode(t, true).unwrap())
        .collect();
    assert_eq!(ours, hf);
    assert_eq!(mask, tokenizer.special().mask_str);
}

#[test]
#[ignore = "needs UNMASK_TEST_PYTHON: a Python with transformers"]
fn saved_tokenizers_load_in_transformers() {
    let python = python();
    assert_autotokenizer_agrees(&python, &common::bpe_tokenizer());

    let wordpiece = tempfile::tempdir().unwrap();
    common::write_wordpiece_vocab(wordpiece.path(), common::WORDPIECE_VOCAB);
    assert_autotokenizer_agrees(&python, &TextTokenizer::from_dir(wordpiece.path()).unwrap());

    let text = "the quick brown fox jumps over the lazy dog. ".repeat(50);
    let trained = train_byte_level_bpe(std::iter::once(text), 300, 2).unwrap();
    assert_autotokenizer_agrees(&python, &trained);
}
