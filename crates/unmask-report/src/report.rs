use std::fs;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{ReportError, Result};
use crate::figure::Figure;
use crate::markdown_escape::{escape_markdown, escape_markdown_line};
use crate::svg_check::check_svg;
use crate::table::Table;
use unmask_io::write_atomic;

/// The Markdown file a report directory is opened through.
pub const REPORT_FILE_NAME: &str = "report.md";

/// A file written next to `report.md`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFile {
    pub name: String,
    pub contents: Vec<u8>,
}

/// A Markdown report and the files (figures, CSV, JSON) it links to, written together into
/// one directory by [`Report::write`].
///
/// ```
/// use unmask_report::{LineChart, Report, Table};
///
/// let chart = LineChart::new("Loss").series("train", [(0.0, 3.0), (1.0, 2.0)]);
/// let mut table = Table::new(["model", "perplexity"]);
/// table.push_row(["roberta-base".into(), 12.3.into()])?;
///
/// let mut report = Report::new("Training run");
/// report
///     .paragraph("Loss fell steadily.")
///     .figure("loss.svg", "Training loss", &chart)?
///     .table_with_csv(&table, "perplexity.csv")?
///     .code_block("sh", "cargo run -p experiments -- train")
///     .sample("step 64", "The <mask> sat on the *mat*.");
/// let dir = tempfile::tempdir()?;
/// report.write(dir.path())?;
/// assert!(dir.path().join("loss.svg").exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Report {
    title: String,
    blocks: Vec<String>,
    files: Vec<ReportFile>,
    figures: usize,
}

impl Report {
    pub fn new(title: impl Into<String>) -> Self {
        Report {
            title: title.into(),
            ..Report::default()
        }
    }

    /// A second-level heading; the text is shown literally.
    pub fn heading(&mut self, text: &str) -> &mut Self {
        self.blocks.push(format!("## {}\n", escape_markdown(text)));
        self
    }

    /// A paragraph of Markdown written by the program (not escaped: emphasis, links and code
    /// spans work). Pass values that could contain Markdown through [`escape_markdown`].
    pub fn paragraph(&mut self, markdown: &str) -> &mut Self {
        self.blocks.push(format!("{}\n", markdown.trim_end()));
        self
    }

    /// The table inline, as Markdown.
    pub fn table(&mut self, table: &Table) -> &mut Self {
        self.blocks.push(table.to_markdown());
        self
    }

    /// The table inline, plus its exact numbers as `csv_name` (must end in `.csv`) with a link.
    pub fn table_with_csv(&mut self, table: &Table, csv_name: &str) -> Result<&mut Self> {
        self.add_file(csv_name, ".csv", table.to_csv().into_bytes())?;
        self.blocks.push(table.to_markdown());
        self.blocks
            .push(format!("Raw numbers: [{csv_name}]({csv_name})\n"));
        Ok(self)
    }

    /// An SVG figure saved as `file_name` (must end in `.svg`) and shown as
    /// `![caption](file_name)` with a numbered caption. The SVG is checked with [`check_svg`].
    pub fn figure<F: Figure + ?Sized>(
        &mut self,
        file_name: &str,
        caption: &str,
        figure: &F,
    ) -> Result<&mut Self> {
        let svg = figure.render_svg()?;
        check_svg(&svg)?;
        self.add_file(file_name, ".svg", svg.into_bytes())?;
        self.figures += 1;
        let caption = escape_markdown(caption);
        self.blocks.push(format!(
            "![{caption}]({file_name})\n\n*Figure {}: {caption}*\n",
            self.figures
        ));
        Ok(self)
    }

    /// A fenced code block, e.g. the command that regenerates the report.
    pub fn code_block(&mut self, language: &str, code: &str) -> &mut Self {
        let longest_backtick_run = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
        let fence = "`".repeat((longest_backtick_run + 1).max(3));
        let language: String = language
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || "+-_.".contains(*c))
            .collect();
        self.blocks.push(format!(
            "{fence}{language}\n{}\n{fence}\n",
            code.trim_end_matches('\n')
        ));
        self
    }

    /// A generated text shown verbatim as a block quote under a bold label. Everything
    /// Markdown would interpret (`<mask>`, `*`, `#` at a line start, …) is escaped, and line
    /// breaks are kept.
    pub fn sample(&mut self, label: &str, text: &str) -> &mut Self {
        let lines: Vec<&str> = text
            .trim_matches(['\n', '\r'])
            .lines()
            .map(str::trim_end)
            .collect();
        let quoted = if lines.iter().all(|l| l.is_empty()) {
            "> *(empty)*\n".to_string()
        } else {
            quote_lines(&lines)
        };
        self.blocks
            .push(format!("**{}**\n\n{quoted}", escape_markdown(label)));
        self
    }

    /// Saves `value` as pretty-printed JSON in `file_name` (must end in `.json`) and links it.
    pub fn json<T: Serialize + ?Sized>(&mut self, file_name: &str, value: &T) -> Result<&mut Self> {
        let mut text = serde_json::to_string_pretty(value).map_err(|source| ReportError::Json {
            name: file_name.to_string(),
            source,
        })?;
        text.push('\n');
        self.add_file(file_name, ".json", text.into_bytes())?;
        self.blocks
            .push(format!("Raw data: [{file_name}]({file_name})\n"));
        Ok(self)
    }

    /// Any other file to write into the report directory, not mentioned in the Markdown.
    pub fn attach(&mut self, file_name: &str, contents: impl Into<Vec<u8>>) -> Result<&mut Self> {
        self.add_file(file_name, "", contents.into())?;
        Ok(self)
    }

    /// The files written next to `report.md`, in the order they were added.
    pub fn files(&self) -> &[ReportFile] {
        &self.files
    }

    /// The whole `report.md`.
    pub fn to_markdown(&self) -> String {
        let mut out = format!("# {}\n", escape_markdown(&self.title));
        for block in &self.blocks {
            out.push('\n');
            out.push_str(block);
        }
        out
    }

    /// Creates `dir` if needed and writes every registered file, then `report.md`, each
    /// atomically. `report.md` comes last so it never links to a file not yet written.
    /// Returns the path of `report.md`.
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<PathBuf> {
        let dir = dir.as_ref();
        fs::create_dir_all(dir).map_err(|source| ReportError::Io {
            action: "create the report directory",
            path: dir.to_path_buf(),
            source,
        })?;
        for file in &self.files {
            write_atomic(&dir.join(&file.name), &file.contents)?;
        }
        let report_path = dir.join(REPORT_FILE_NAME);
        write_atomic(&report_path, self.to_markdown().as_bytes())?;
        Ok(report_path)
    }

    fn add_file(&mut self, name: &str, extension: &'static str, contents: Vec<u8>) -> Result<()> {
        let bad = |reason| {
            Err(ReportError::InvalidFileName {
                name: name.to_string(),
                reason,
            })
        };
        if name.is_empty() {
            return bad("it is empty");
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return bad("only letters, digits, `.`, `_` and `-` are allowed (no directories)");
        }
        if name.starts_with('.') {
            return bad("hidden names (starting with `.`) are not allowed");
        }
        if name == REPORT_FILE_NAME {
            return bad("`report.md` is the report itself");
        }
        if !name.ends_with(extension) {
            return bad(match extension {
                ".svg" => "a figure's name must end in `.svg`",
                ".csv" => "a CSV file's name must end in `.csv`",
                _ => "a JSON file's name must end in `.json`",
            });
        }
        if self.files.iter().any(|f| f.name == name) {
            return Err(ReportError::DuplicateFileName(name.to_string()));
        }
        self.files.push(ReportFile {
            name: name.to_string(),
            contents,
        });
        Ok(())
    }
}

/// Block-quotes escaped lines, ending each line that continues the paragraph with a hard
/// break (`\`) so the text keeps its line breaks.
fn quote_lines(lines: &[&str]) -> String {
    let mut quoted = String::new();
    for (i, line) in lines.iter().enumerate() {
        if line.is_empty() {
            quoted.push_str(">\n");
            continue;
        }
        let continues = lines.get(i + 1).is_some_and(|next| !next.is_empty());
        let hard_break = if continues { "\\" } else { "" };
        quoted.push_str(&format!("> {}{hard_break}\n", escape_markdown_line(line)));
    }
    quoted
}
