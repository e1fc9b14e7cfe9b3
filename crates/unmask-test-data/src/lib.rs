//! Where the tests find the real material that `datasets/fetch-test-data.sh` (the README's
//! test command) fetches into unmask's cache: the State of the Union corpus and
//! all-MiniLM-L6-v2. A missing one fails the test with the command that fetches it.

use std::path::{Path, PathBuf};

pub mod hub_stand_in;
mod tiny_run;

pub use tiny_run::TinyRun;

fn cache_dir() -> PathBuf {
    unmask_text::unmask_cache_dir().unwrap_or_else(|error| panic!("{error}"))
}

/// The State of the Union corpus (`datasets/fetch-sotu.sh`).
pub fn sotu_dir() -> PathBuf {
    let dir = cache_dir().join("sotu");
    assert!(
        dir.is_dir(),
        "the State of the Union corpus is not in {}: run `bash datasets/fetch-sotu.sh` (or \
         `bash datasets/fetch-test-data.sh`, the README's test command) first",
        dir.display()
    );
    dir
}

/// all-MiniLM-L6-v2 (`datasets/fetch-minilm.sh`).
pub fn minilm_dir() -> PathBuf {
    let dir = cache_dir().join("minilm/all-MiniLM-L6-v2");
    assert!(
        dir.join("model.safetensors").is_file(),
        "all-MiniLM-L6-v2 is not in {}: run `bash datasets/fetch-minilm.sh` (or \
         `bash datasets/fetch-test-data.sh`, the README's test command) first",
        dir.display()
    );
    dir
}

/// A corpus directory `parent/corpus` holding copies of the first `n` addresses (by file
/// name, so the same ones on every machine). Corpora split by position: every 20th document
/// goes to test and the one before it to validation, so 20 addresses give each split one.
pub fn sotu_subset(parent: &Path, n: usize) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(sotu_dir())
        .expect("the corpus directory is readable")
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    assert!(
        files.len() >= n,
        "the corpus has {} addresses, the test wants {n}",
        files.len()
    );
    let dir = parent.join("corpus");
    std::fs::create_dir_all(&dir).expect("the test's directory is writable");
    for file in &files[..n] {
        std::fs::copy(file, dir.join(file.file_name().expect("a file name")))
            .expect("copying an address");
    }
    dir
}

/// `parent/synthetic`: `n` documents of `words` words each from a small vocabulary, one `.txt`
/// file per document (no fetch needed).
pub fn synthetic_corpus(parent: &Path, n: usize, words: usize) -> PathBuf {
    const VOCAB: [&str; 12] = [
        "the", "people", "of", "union", "state", "congress", "nation", "peace", "law", "year",
        "and", "public",
    ];
    let corpus = parent.join("synthetic");
    std::fs::create_dir_all(&corpus).expect("the test's directory is writable");
    for d in 0..n {
        let text: Vec<&str> = (0..words)
            .map(|w| VOCAB[(d * 7 + w * 5 + w * w) % VOCAB.len()])
            .collect();
        std::fs::write(corpus.join(format!("{d:03}.txt")), text.join(" ") + ".\n")
            .expect("the test's directory is writable");
    }
    corpus
}

/// A writable copy of the committed tiny RoBERTa checkpoint
/// (`crates/unmask-roberta/tests/fixtures/tiny-roberta`) at `dest`, for tests that change one
/// thing in it (its config, or a tensor) and load the result.
pub fn tiny_roberta_copy(dest: &Path) -> PathBuf {
    let source =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../unmask-roberta/tests/fixtures/tiny-roberta");
    std::fs::create_dir_all(dest).expect("the copy's directory can be created");
    for entry in std::fs::read_dir(&source).expect("the tiny-roberta fixture is committed") {
        let path = entry.expect("a readable fixture entry").path();
        std::fs::copy(&path, dest.join(path.file_name().expect("a file name")))
            .expect("the fixture file copies");
    }
    dest.to_path_buf()
}
