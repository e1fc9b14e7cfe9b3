//! Reading the `text` column of a Parquet file (the layout of Hugging Face datasets) with the
//! `parquet` crate's record API, without Arrow.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use parquet::basic::Type as PhysicalType;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use parquet::schema::types::Type;

use crate::corpus::Document;
use crate::error::{Result, TextError};

const TEXT_COLUMN: &str = "text";

/// One document per row of the top-level string column `text`; null values and rows without
/// a non-empty line are skipped. `source` prefixes the documents' sources (`source#row`).
pub(crate) fn read_parquet_texts(path: &Path, source: &str) -> Result<Vec<Document>> {
    let error = |message: String| TextError::Parquet {
        path: path.to_owned(),
        message,
    };
    let file = File::open(path).map_err(|e| TextError::io("open", path, e))?;
    let reader = SerializedFileReader::new(file)
        .map_err(|e| error(format!("not a readable Parquet file: {e}")))?;
    let schema = reader.metadata().file_metadata().schema();
    let text_field = schema
        .get_fields()
        .iter()
        .find(|field| field.name() == TEXT_COLUMN)
        .ok_or_else(|| {
            let columns: Vec<&str> = schema.get_fields().iter().map(|f| f.name()).collect();
            error(format!(
                "no `{TEXT_COLUMN}` column (columns: {}); the corpus text must be in a string \
                 column named `{TEXT_COLUMN}`",
                columns.join(", ")
            ))
        })?;
    if !text_field.is_primitive() || text_field.get_physical_type() != PhysicalType::BYTE_ARRAY {
        return Err(error(format!(
            "the `{TEXT_COLUMN}` column is not a string column"
        )));
    }
    let projection = Type::group_type_builder(schema.name())
        .with_fields(vec![Arc::clone(text_field)])
        .build()
        .map_err(|e| error(e.to_string()))?;
    let rows = reader
        .get_row_iter(Some(projection))
        .map_err(|e| error(e.to_string()))?;
    let mut documents = Vec::new();
    for (index, row) in rows.enumerate() {
        let row = row.map_err(|e| error(format!("row {index}: {e}")))?;
        let Some((_, field)) = row.get_column_iter().next() else {
            continue;
        };
        let text = match field {
            Field::Str(text) => text.as_str(),
            Field::Bytes(bytes) => std::str::from_utf8(bytes.data()).map_err(|_| {
                error(format!(
                    "row {index}: the `{TEXT_COLUMN}` value is not UTF-8"
                ))
            })?,
            Field::Null => continue,
            other => {
                return Err(error(format!(
                    "row {index}: unexpected `{TEXT_COLUMN}` value {other}"
                )));
            }
        };
        documents.extend(Document::new(format!("{source}#{index}"), text));
    }
    Ok(documents)
}
