//! Token ids compared with Hugging Face `transformers` on the tiny fixtures written by
//! crates/unmask-roberta/tests/fixtures (expected.json: texts and their HF ids). The fixtures
//! are committed: a missing one fails the test.

use std::path::{Path, PathBuf};

use serde_json::Value;
use unmask_text::TextTokenizer;

/// A committed fixture directory; a missing one fails the test (it must never skip).
fn fixture_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../unmask-roberta/tests/fixtures")
        .join(name);
    assert!(
        dir.join("tokenizer_config.json").is_file() || dir.join("config.json").is_file(),
        "the committed fixture directory {} is missing or empty; restore it from git \
         (`git checkout -- crates/unmask-roberta/tests/fixtures`) or regenerate it with \
         crates/unmask-roberta/fixtures/make_fixtures.py (docs/fixtures.md)",
        dir.display()
    );
    dir
}

fn expected(dir: &Path) -> Value {
    let path = dir.join("expected.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn ids(value: &Value) -> Vec<u32> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_u64().unwrap() as u32)
        .collect()
}

/// Every `tokenizer_cases` text (add_special) and every `rows` text or pair, with the batch
/// padding of the rows removed, must encode to the HF ids.
fn assert_matches_hf(tokenizer: &TextTokenizer, expected: &Value, what: &str) {
    let special = tokenizer.special();
    for (token, id) in expected["special_ids"].as_object().unwrap() {
        assert_eq!(
            tokenizer.token_to_id(token),
            Some(id.as_u64().unwrap() as u32),
            "{what}: {token}"
        );
    }
    let mask_id = expected["special_ids"][&special.mask_str].as_u64();
    assert_eq!(mask_id, Some(special.mask as u64), "{what}: mask id");
    assert_eq!(
        tokenizer.vocab_size() as u64,
        expected["vocab_size"].as_u64().unwrap(),
        "{what}"
    );

    let cases = expected["tokenizer_cases"].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let text = case["text"].as_str().unwrap();
        assert_eq!(
            tokenizer.encode(text, true).unwrap(),
            ids(&case["ids"]),
            "{what}: {text:?}"
        );
    }
    for row in expected["rows"].as_array().unwrap() {
        let text = row["text"].as_str().unwrap();
        let hf: Vec<u32> = ids(&row["ids"])
            .into_iter()
            .filter(|&id| id != special.pad)
            .collect();
        let ours = match row["text_pair"].as_str() {
            Some(pair) => tokenizer
                .inner()
                .encode((text, pair), true)
                .unwrap()
                .get_ids()
                .to_vec(),
            None => tokenizer.encode(text, true).unwrap(),
        };
        assert_eq!(ours, hf, "{what}: row {text:?}");
    }
}

fn copy_files(from: &Path, names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in names {
        std::fs::copy(from.join(name), dir.path().join(name)).unwrap();
    }
    dir
}

#[test]
fn tiny_roberta_tokenizer_json_matches_hf() {
    let dir = fixture_dir("tiny-roberta");
    let tokenizer = TextTokenizer::from_dir(&dir).unwrap();
    assert_matches_hf(&tokenizer, &expected(&dir), "tiny-roberta tokenizer.json");
    assert_eq!(tokenizer.special().mask_str, "<mask>");
    assert_eq!(
        (
            tokenizer.special().bos,
            tokenizer.special().eos,
            tokenizer.special().pad
        ),
        (0, 2, 1)
    );
}

#[test]
fn tiny_roberta_vocab_and_merges_match_hf() {
    let dir = fixture_dir("tiny-roberta");
    let only_bpe_files = copy_files(&dir, &["vocab.json", "merges.txt"]);
    let tokenizer = TextTokenizer::from_dir(only_bpe_files.path()).unwrap();
    assert_matches_hf(
        &tokenizer,
        &expected(&dir),
        "tiny-roberta vocab.json + merges.txt",
    );
}

#[test]
fn tiny_roberta_bin_tokenizer_matches_hf() {
    let (dir, reference) = (fixture_dir("tiny-roberta-bin"), fixture_dir("tiny-roberta"));
    // This fixture has no expected.json of its own; its tokenizer is tiny-roberta's.
    let tokenizer = TextTokenizer::from_dir(&dir).unwrap();
    assert_matches_hf(&tokenizer, &expected(&reference), "tiny-roberta-bin");
}

#[test]
fn tiny_bert_tokenizer_json_matches_hf() {
    let dir = fixture_dir("tiny-bert");
    let tokenizer = TextTokenizer::from_dir(&dir).unwrap();
    assert_matches_hf(&tokenizer, &expected(&dir), "tiny-bert tokenizer.json");
    assert_eq!(tokenizer.special().mask_str, "[MASK]");
}

#[test]
fn tiny_bert_vocab_txt_matches_hf() {
    let dir = fixture_dir("tiny-bert");
    let only_vocab = copy_files(&dir, &["vocab.txt"]);
    let tokenizer = TextTokenizer::from_dir(only_vocab.path()).unwrap();
    assert_matches_hf(&tokenizer, &expected(&dir), "tiny-bert vocab.txt");
}

#[test]
fn saved_tiny_roberta_reloads_with_the_same_ids() {
    let dir = fixture_dir("tiny-roberta");
    let only_bpe_files = copy_files(&dir, &["vocab.json", "merges.txt"]);
    let out = tempfile::tempdir().unwrap();
    TextTokenizer::from_dir(only_bpe_files.path())
        .unwrap()
        .save(out.path())
        .unwrap();
    let reloaded = TextTokenizer::from_dir(out.path()).unwrap();
    assert_matches_hf(
        &reloaded,
        &expected(&dir),
        "tiny-roberta saved and reloaded",
    );
}
