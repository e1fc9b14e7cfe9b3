//! Experiment reports: a Markdown document with tables, SVG figures drawn with
//! [plotters](https://docs.rs/plotters), and the raw numbers as CSV/JSON, written into one
//! directory.
//!
//! - [`LineChart`]: a deterministic SVG line chart (Okabe-Ito colours, optional markers and
//!   error bars, log axes, legend right of the plot). NaN/inf values are skipped, empty
//!   charts say "no data".
//! - [`Table`]: Markdown (numbers right-aligned, significant digits) and RFC 4180 CSV.
//! - [`Report`]: title, headings, paragraphs, tables, figures, code blocks, sample texts,
//!   JSON; [`Report::write`] writes `report.md` and its files atomically.
//! - [`DenoisingAnimation`]: an animated SVG of a canvas being denoised, one frame per step
//!   (masks, fresh commits and re-masks in their own colours; SMIL, self-contained).
//! - [`check_svg`]: a validator for figures and tests: well-formed XML, an `<svg>` root with
//!   a size, the texts and shapes drawn.

mod denoising_animation;
mod error;
mod figure;
mod line_chart;
mod markdown_escape;
mod number_format;
mod report;
mod svg_check;
mod table;
mod ticks;

pub use denoising_animation::{CellState, DenoisingAnimation, MASK_GLYPH, MAX_FRAMES};
pub use error::{ReportError, Result};
pub use figure::Figure;
pub use line_chart::{LineChart, LineSeries};
pub use markdown_escape::{escape_markdown, escape_markdown_line};
pub use number_format::{format_compact, format_exact, format_significant};
pub use report::{REPORT_FILE_NAME, Report, ReportFile};
pub use svg_check::{SvgSummary, check_svg};
pub use table::{Alignment, Cell, Table};
