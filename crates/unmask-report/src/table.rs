use crate::error::{ReportError, Result};
use crate::markdown_escape::escape_markdown;
use crate::number_format::{format_exact, format_significant};

/// One table cell. Numbers keep their full value: Markdown shows them rounded to the table's
/// significant digits, CSV writes them exactly.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Integer(i128),
    Empty,
}

impl Cell {
    pub fn text(text: impl Into<String>) -> Self {
        Cell::Text(text.into())
    }

    fn is_numeric(&self) -> bool {
        matches!(self, Cell::Number(_) | Cell::Integer(_))
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_string())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

impl From<f64> for Cell {
    fn from(value: f64) -> Self {
        Cell::Number(value)
    }
}

impl From<f32> for Cell {
    fn from(value: f32) -> Self {
        Cell::Number(value.into())
    }
}

macro_rules! integer_cells {
    ($($t:ty),*) => {$(
        impl From<$t> for Cell {
            fn from(value: $t) -> Self {
                Cell::Integer(value as i128)
            }
        }
    )*};
}
integer_cells!(i32, i64, u32, u64, usize);

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(value: Option<T>) -> Self {
        value.map_or(Cell::Empty, Into::into)
    }
}

/// How a column is aligned in Markdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alignment {
    Left,
    Right,
}

/// A table of results with a header row, rendered as Markdown or CSV.
///
/// ```
/// use unmask_report::{Cell, Table};
///
/// let mut table = Table::new(["model", "perplexity"]);
/// table.push_row([Cell::text("roberta-base"), Cell::Number(12.3456)])?;
/// assert_eq!(
///     table.to_markdown(),
///     "| model        | perplexity |\n|--------------|-----------:|\n| roberta-base |      12.35 |\n"
/// );
/// assert_eq!(table.to_csv(), "model,perplexity\r\nroberta-base,12.3456\r\n");
/// # Ok::<(), unmask_report::ReportError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
    significant_digits: usize,
}

impl Table {
    /// A table with these column headers, no rows, and 4 significant digits for numbers.
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            significant_digits: 4,
        }
    }

    /// Significant digits of [`Cell::Number`] in Markdown (at least 1).
    pub fn significant_digits(mut self, digits: usize) -> Self {
        self.significant_digits = digits.max(1);
        self
    }

    /// Appends a row; it must have one cell per header.
    pub fn push_row(&mut self, cells: impl IntoIterator<Item = Cell>) -> Result<&mut Self> {
        let row: Vec<Cell> = cells.into_iter().collect();
        if row.len() != self.headers.len() {
            return Err(ReportError::RowLength {
                row: self.rows.len() + 1,
                expected: self.headers.len(),
                found: row.len(),
            });
        }
        self.rows.push(row);
        Ok(self)
    }

    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    pub fn rows(&self) -> &[Vec<Cell>] {
        &self.rows
    }

    /// Right for a column whose non-empty cells are all numbers (and there is at least one),
    /// left otherwise.
    pub fn column_alignment(&self, column: usize) -> Alignment {
        let mut cells = self
            .rows
            .iter()
            .map(|row| &row[column])
            .filter(|c| **c != Cell::Empty)
            .peekable();
        if cells.peek().is_some() && cells.all(Cell::is_numeric) {
            Alignment::Right
        } else {
            Alignment::Left
        }
    }

    /// A GitHub-flavoured Markdown table, padded so the columns line up in the source too.
    /// Text is escaped (`|` becomes `\|`, newlines become spaces). A table without columns
    /// renders as an empty string.
    pub fn to_markdown(&self) -> String {
        if self.headers.is_empty() {
            return String::new();
        }
        let header: Vec<String> = self.headers.iter().map(|h| escape_markdown(h)).collect();
        let body: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| row.iter().map(|cell| self.markdown_cell(cell)).collect())
            .collect();
        let alignments: Vec<Alignment> = (0..self.headers.len())
            .map(|c| self.column_alignment(c))
            .collect();
        let widths: Vec<usize> = (0..self.headers.len())
            .map(|c| {
                let widest = std::iter::once(&header[c]).chain(body.iter().map(|row| &row[c]));
                widest.map(|s| s.chars().count()).max().unwrap_or(0).max(3)
            })
            .collect();

        let mut out = markdown_row(&header, &widths, &alignments);
        let rule: Vec<String> = widths
            .iter()
            .zip(&alignments)
            .map(|(&w, a)| match a {
                Alignment::Left => "-".repeat(w + 2),
                Alignment::Right => format!("{}:", "-".repeat(w + 1)),
            })
            .collect();
        out.push_str(&format!("|{}|\n", rule.join("|")));
        for row in &body {
            out.push_str(&markdown_row(row, &widths, &alignments));
        }
        out
    }

    /// RFC 4180 CSV: CRLF line ends; fields with a comma, quote, CR or LF are quoted with
    /// quotes doubled. Numbers are written exactly (`format_exact`), empty cells as nothing.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let header: Vec<String> = self.headers.iter().map(|h| csv_field(h)).collect();
        out.push_str(&header.join(","));
        out.push_str("\r\n");
        for row in &self.rows {
            let fields: Vec<String> = row
                .iter()
                .map(|cell| match cell {
                    Cell::Text(text) => csv_field(text),
                    Cell::Number(value) => format_exact(*value),
                    Cell::Integer(value) => value.to_string(),
                    Cell::Empty => String::new(),
                })
                .collect();
            out.push_str(&fields.join(","));
            out.push_str("\r\n");
        }
        out
    }

    fn markdown_cell(&self, cell: &Cell) -> String {
        match cell {
            Cell::Text(text) => escape_markdown(text),
            Cell::Number(value) => format_significant(*value, self.significant_digits),
            Cell::Integer(value) => value.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

fn markdown_row(cells: &[String], widths: &[usize], alignments: &[Alignment]) -> String {
    let padded: Vec<String> = cells
        .iter()
        .zip(widths)
        .zip(alignments)
        .map(|((cell, &width), alignment)| match alignment {
            Alignment::Left => format!("{cell:<width$}"),
            Alignment::Right => format!("{cell:>width$}"),
        })
        .collect();
    format!("| {} |\n", padded.join(" | "))
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut table = Table::new(["name", "ppl", "steps"]);
        table
            .push_row(["a|b".into(), 12.3456.into(), 10.into()])
            .unwrap();
        table
            .push_row(["c".into(), Cell::Empty, 200.into()])
            .unwrap();
        table
    }

    #[test]
    fn markdown_aligns_numbers_right_and_escapes_pipes() {
        let expected = "\
| name |   ppl | steps |
|------|------:|------:|
| a\\|b | 12.35 |    10 |
| c    |       |   200 |
";
        assert_eq!(sample().to_markdown(), expected);
    }

    #[test]
    fn mixed_and_empty_columns_align_left() {
        let mut table = Table::new(["x", "y"]);
        table.push_row(["1".into(), Cell::Empty]).unwrap();
        table.push_row([2.into(), Cell::Empty]).unwrap();
        assert_eq!(table.column_alignment(0), Alignment::Left);
        assert_eq!(table.column_alignment(1), Alignment::Left);
    }

    #[test]
    fn csv_quotes_commas_quotes_and_newlines() {
        let mut table = Table::new(["text", "value"]);
        table.push_row(["a,b".into(), 0.1.into()]).unwrap();
        table
            .push_row(["say \"hi\"".into(), f64::NAN.into()])
            .unwrap();
        table.push_row(["two\nlines".into(), Cell::Empty]).unwrap();
        table.push_row(["plain".into(), 1e-7.into()]).unwrap();
        assert_eq!(
            table.to_csv(),
            "text,value\r\n\"a,b\",0.1\r\n\"say \"\"hi\"\"\",NaN\r\n\"two\nlines\",\r\nplain,1e-7\r\n"
        );
    }

    #[test]
    fn wrong_row_length_is_an_error_naming_the_row() {
        let mut table = sample();
        let error = table.push_row(["x".into()]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "table row 3 has 1 cells but the table has 3 columns"
        );
        assert_eq!(table.rows().len(), 2);
    }

    #[test]
    fn significant_digits_apply_to_markdown_only() {
        let mut table = Table::new(["v"]).significant_digits(2);
        table.push_row([Cell::Number(1.23456)]).unwrap();
        assert!(table.to_markdown().contains("| 1.2 |"));
        assert!(table.to_csv().contains("1.23456"));
    }

    #[test]
    fn table_without_columns_is_empty() {
        assert_eq!(Table::new(Vec::<String>::new()).to_markdown(), "");
    }
}
