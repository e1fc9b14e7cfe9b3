//! Loading corpora from text, JSON Lines, Parquet and directories; corpus specs.

use unmask_text::{Corpus, CorpusSpec, NamedCorpus, Split, TextError};

fn texts(corpus: &Corpus) -> Vec<&str> {
    corpus.documents().iter().map(|d| d.text.as_str()).collect()
}

fn sources(corpus: &Corpus) -> Vec<&str> {
    corpus
        .documents()
        .iter()
        .map(|d| d.source.as_str())
        .collect()
}

#[test]
fn text_file_gives_one_document_per_non_empty_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wiki.train.raw");
    std::fs::write(&path, " = Title = \n \n First paragraph . \n\nSecond\r\n").unwrap();
    let corpus = Corpus::load(&path).unwrap();
    assert_eq!(
        texts(&corpus),
        [" = Title = ", " First paragraph . ", "Second"]
    );
    assert_eq!(
        sources(&corpus),
        ["wiki.train.raw:1", "wiki.train.raw:3", "wiki.train.raw:5"]
    );
    assert_eq!(corpus.name(), "wiki.train.raw");
    assert_eq!(
        Corpus::load_with_name("wikitext", &path).unwrap().name(),
        "wikitext"
    );
}

#[test]
fn directory_gives_one_document_per_text_file_sorted_recursively() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("b/inner")).unwrap();
    std::fs::write(root.join("c.txt"), "third\n\nstill third\n").unwrap();
    std::fs::write(root.join("a.txt"), "first").unwrap();
    std::fs::write(root.join("b/inner/z.txt"), "second").unwrap();
    std::fs::write(root.join("b/empty.txt"), "\n  \n").unwrap();
    std::fs::write(root.join("notes.md"), "ignored").unwrap();
    std::fs::write(root.join("LICENSE"), "ignored, no extension").unwrap();
    std::fs::write(root.join(".hidden.txt"), "ignored, hidden").unwrap();
    let corpus = Corpus::load(root).unwrap();
    assert_eq!(texts(&corpus), ["first", "second", "third\nstill third"]);
    assert_eq!(sources(&corpus), ["a.txt", "b/inner/z.txt", "c.txt"]);
}

#[test]
fn json_lines_reads_the_text_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.jsonl");
    std::fs::write(
        &path,
        "{\"text\": \"one\\n\\ntwo\", \"id\": 1}\n\n{\"text\": \"\"}\n{\"text\": \"three\"}\n",
    )
    .unwrap();
    let corpus = Corpus::load(&path).unwrap();
    assert_eq!(texts(&corpus), ["one\ntwo", "three"]);
    assert_eq!(sources(&corpus), ["data.jsonl:1", "data.jsonl:4"]);
}

#[test]
fn json_lines_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "{\"text\": \"ok\"}\n{\"body\": \"x\"}\n",
            2,
            "no `text` field",
        ),
        (
            "{\"text\": \"ok\"}\n\n{\"text\": 5}\n",
            3,
            "must be a string, found a number",
        ),
        ("{\"text\": \"ok\"\n", 1, "invalid JSON"),
    ];
    for (content, line, message) in cases {
        let path = dir.path().join("bad.jsonl");
        std::fs::write(&path, content).unwrap();
        let err = Corpus::load(&path).unwrap_err();
        assert!(
            matches!(&err, TextError::JsonLines { line: l, .. } if *l == line),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(
            text.contains(&format!("line {line}")) && text.contains(message),
            "{text}"
        );
        assert!(text.contains("bad.jsonl"), "{text}");
    }
}

#[test]
fn missing_empty_and_unsupported_inputs_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let err = Corpus::load(dir.path().join("nope.txt")).unwrap_err();
    assert!(matches!(err, TextError::MissingCorpus { .. }), "{err:?}");
    assert!(
        err.to_string().contains("sotu"),
        "names the named corpora: {err}"
    );

    let blank = dir.path().join("blank.txt");
    std::fs::write(&blank, "\n   \n\t\n").unwrap();
    let err = Corpus::load(&blank).unwrap_err();
    assert!(matches!(err, TextError::EmptyCorpus { .. }), "{err:?}");

    let empty_dir = dir.path().join("empty");
    std::fs::create_dir(&empty_dir).unwrap();
    assert!(matches!(
        Corpus::load(&empty_dir),
        Err(TextError::EmptyCorpus { .. })
    ));

    let csv = dir.path().join("data.csv");
    std::fs::write(&csv, "text\nx\n").unwrap();
    let err = Corpus::load(&csv).unwrap_err();
    assert!(
        matches!(err, TextError::UnsupportedCorpusFile { .. }),
        "{err:?}"
    );

    let latin1 = dir.path().join("latin1.txt");
    std::fs::write(&latin1, b"caf\xe9\n").unwrap();
    assert!(
        Corpus::load(&latin1)
            .unwrap_err()
            .to_string()
            .contains("not UTF-8")
    );
}

#[test]
fn corpus_spec_parses_names_and_paths() {
    assert_eq!(
        CorpusSpec::parse("sotu").unwrap(),
        CorpusSpec::Named(NamedCorpus::Sotu)
    );
    assert_eq!(
        CorpusSpec::parse(" moby-dick ").unwrap(),
        CorpusSpec::Named(NamedCorpus::MobyDick)
    );
    assert_eq!(
        CorpusSpec::parse("./sotu").unwrap(),
        CorpusSpec::Path("./sotu".into())
    );
    assert_eq!(
        "data/train.jsonl".parse::<CorpusSpec>().unwrap(),
        CorpusSpec::Path("data/train.jsonl".into())
    );
    assert!(CorpusSpec::parse("  ").is_err());
    assert_eq!(CorpusSpec::Named(NamedCorpus::Sotu).to_string(), "sotu");
}

#[test]
fn named_corpus_not_fetched_says_which_script_to_run() {
    let cache = tempfile::tempdir().unwrap();
    let err = CorpusSpec::Named(NamedCorpus::Sotu)
        .load_with_cache_root(cache.path())
        .unwrap_err();
    assert!(
        matches!(err, TextError::NamedCorpusNotFetched { .. }),
        "{err:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("datasets/fetch-sotu.sh") && text.contains("sotu"),
        "{text}"
    );
}

#[test]
fn named_corpus_loads_from_the_cache_root() {
    let cache = tempfile::tempdir().unwrap();
    let dir = NamedCorpus::MobyDick.dir_in(cache.path());
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("chapter_001.txt"),
        "CHAPTER 1. Loomings.\n\nCall me Ishmael.\n",
    )
    .unwrap();
    let corpus = CorpusSpec::parse("moby-dick")
        .unwrap()
        .load_with_cache_root(cache.path())
        .unwrap();
    assert_eq!(corpus.name(), "moby-dick");
    assert_eq!(texts(&corpus), ["CHAPTER 1. Loomings.\nCall me Ishmael."]);
    assert_eq!(corpus.split(Split::Train).len(), 1);
}

#[cfg(not(feature = "parquet"))]
#[test]
fn parquet_without_the_feature_is_an_error_saying_so() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.parquet");
    std::fs::write(&path, "PAR1").unwrap();
    let text = Corpus::load(&path).unwrap_err().to_string();
    assert!(text.contains("`parquet` feature"), "{text}");
}
