//! Experiment reports: a Markdown document with tables, SVG figures drawn here (no plotting
//! library), and the raw numbers as CSV/JSON, written into one directory.
//!
//! - [`LineChart`], [`BarChart`]: deterministic SVG charts (Okabe-Ito colours, 1-2-5 ticks,
//!   legend right of the plot). NaN/inf values are skipped, empty charts say "no data".
//! - [`Table`]: Markdown (numbers right-aligned, significant digits) and RFC 4180 CSV.
//! - [`Report`]: title, headings, paragraphs, tables, figures, code blocks, sample texts,
//!   JSON; [`Report::write`] writes `report.md` and its files atomically.
//! - [`check_svg`]: a validator for tests: well-formed, an `<svg>` root with a size, counts
//!   of what was drawn.

mod atomic_write;
mod axis;
mod bar_chart;
mod chart_frame;
mod error;
mod figure;
mod legend;
mod line_chart;
mod markdown_escape;
mod number_format;
mod palette;
mod report;
mod svg_check;
mod svg_writer;
mod table;
mod ticks;
mod xml_escape;

pub use atomic_write::write_atomic;
pub use bar_chart::{BarChart, BarSeries};
pub use error::{ReportError, Result};
pub use figure::Figure;
pub use line_chart::{LineChart, LineSeries};
pub use markdown_escape::{escape_markdown, escape_markdown_line};
pub use number_format::{format_compact, format_exact, format_significant};
pub use palette::OKABE_ITO;
pub use report::{REPORT_FILE_NAME, Report, ReportFile};
pub use svg_check::{SeriesSummary, SvgSummary, check_svg};
pub use table::{Alignment, Cell, Table};
pub use ticks::{MAX_TICKS, Ticks, linear_ticks, log_ticks};
pub use xml_escape::escape_xml;
