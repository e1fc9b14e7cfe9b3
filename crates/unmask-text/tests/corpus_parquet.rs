//! Parquet corpora (the `parquet` feature, on by default).
#![cfg(feature = "parquet")]

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use parquet::data_type::{ByteArray, ByteArrayType, Int32Type};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use unmask_text::{Corpus, TextError};

fn texts(corpus: &Corpus) -> Vec<&str> {
    corpus.documents().iter().map(|d| d.text.as_str()).collect()
}

fn write_parquet(path: &Path, schema: &str, texts: &[Option<&str>], with_ids: bool) {
    let schema = Arc::new(parse_message_type(schema).unwrap());
    let mut writer =
        SerializedFileWriter::new(File::create(path).unwrap(), schema, Default::default()).unwrap();
    let mut row_group = writer.next_row_group().unwrap();
    if with_ids {
        let mut column = row_group.next_column().unwrap().unwrap();
        let ids: Vec<i32> = (0..texts.len() as i32).collect();
        column
            .typed::<Int32Type>()
            .write_batch(&ids, None, None)
            .unwrap();
        column.close().unwrap();
    }
    let mut column = row_group.next_column().unwrap().unwrap();
    let values: Vec<ByteArray> = texts
        .iter()
        .flatten()
        .map(|t| ByteArray::from(*t))
        .collect();
    let levels: Vec<i16> = texts.iter().map(|t| t.is_some() as i16).collect();
    column
        .typed::<ByteArrayType>()
        .write_batch(&values, Some(&levels), None)
        .unwrap();
    column.close().unwrap();
    row_group.close().unwrap();
    writer.close().unwrap();
}

#[test]
fn parquet_reads_the_text_column_and_skips_nulls() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("train-00000-of-00001.parquet");
    write_parquet(
        &path,
        "message schema { REQUIRED INT32 id; OPTIONAL BYTE_ARRAY text (UTF8); }",
        &[Some("alpha"), None, Some("beta\n\ngamma"), Some(" ")],
        true,
    );
    let corpus = Corpus::load(&path).unwrap();
    assert_eq!(texts(&corpus), ["alpha", "beta\ngamma"]);
    assert_eq!(
        corpus.documents()[1].source,
        "train-00000-of-00001.parquet#2"
    );
}

#[test]
fn parquet_without_text_column_is_an_error_listing_columns() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.parquet");
    write_parquet(
        &path,
        "message schema { REQUIRED INT32 id; REQUIRED BYTE_ARRAY content (UTF8); }",
        &[Some("x")],
        true,
    );
    let err = Corpus::load(&path).unwrap_err();
    assert!(matches!(err, TextError::Parquet { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("no `text` column") && text.contains("id, content"),
        "{text}"
    );
}

#[test]
fn not_a_parquet_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.parquet");
    std::fs::write(&path, "not parquet at all").unwrap();
    let text = Corpus::load(&path).unwrap_err().to_string();
    assert!(
        text.contains("broken.parquet") && text.contains("Parquet"),
        "{text}"
    );
}

#[test]
fn directory_mixes_formats() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "file doc").unwrap();
    std::fs::write(
        dir.path().join("b.jsonl"),
        "{\"text\": \"row 1\"}\n{\"text\": \"row 2\"}\n",
    )
    .unwrap();
    write_parquet(
        &dir.path().join("c.parquet"),
        "message schema { REQUIRED BYTE_ARRAY text (UTF8); }",
        &[Some("pq row")],
        false,
    );
    let corpus = Corpus::load(dir.path()).unwrap();
    assert_eq!(texts(&corpus), ["file doc", "row 1", "row 2", "pq row"]);
}
