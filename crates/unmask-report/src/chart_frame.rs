//! What line and bar charts share: margins, title, axes with gridlines, axis labels, and the
//! "no data" figure.

use crate::axis::Axis;
use crate::svg_writer::{SvgWriter, num, text_width};

pub(crate) const TICK_FONT: f64 = 12.0;
const LABEL_FONT: f64 = 13.0;
const TITLE_FONT: f64 = 15.0;
const PAD: f64 = 10.0;
const TICK_LENGTH: f64 = 5.0;
/// Height of a row of horizontal tick labels under the x axis.
pub(crate) const X_TICK_BAND: f64 = TICK_LENGTH + TICK_FONT + 6.0;
/// Gap between the plot area and the legend to its right.
pub(crate) const LEGEND_GAP: f64 = 18.0;
const AXIS_COLOUR: &str = "#333333";
const GRID_COLOUR: &str = "#E5E5E5";

/// Charts are clamped to this size range so layout arithmetic stays sane.
pub(crate) fn clamp_size(width: f64, height: f64) -> (f64, f64) {
    let clamp = |v: f64, default: f64| {
        if v.is_finite() {
            v.clamp(160.0, 8000.0)
        } else {
            default
        }
    };
    (clamp(width, 720.0), clamp(height, 420.0))
}

/// The texts around a chart.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChartText<'a> {
    pub(crate) title: &'a str,
    pub(crate) x_label: &'a str,
    pub(crate) y_label: &'a str,
}

/// The rectangle data is drawn in.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlotArea {
    pub(crate) left: f64,
    pub(crate) top: f64,
    pub(crate) width: f64,
    pub(crate) height: f64,
}

impl PlotArea {
    /// Places the plot area inside a `width` × `height` chart, leaving room for the title, the
    /// y tick labels, `x_tick_band` pixels of x tick labels, the axis labels and a legend of
    /// `legend_width` pixels (0 for none) to the right.
    pub(crate) fn layout(
        width: f64,
        height: f64,
        text: ChartText<'_>,
        y_tick_labels: &[String],
        x_tick_band: f64,
        legend_width: f64,
    ) -> Self {
        let widest_y_label = y_tick_labels
            .iter()
            .map(|l| text_width(l, TICK_FONT))
            .fold(0.0, f64::max);
        let y_label_band = if text.y_label.is_empty() {
            0.0
        } else {
            LABEL_FONT + 8.0
        };
        let x_label_band = if text.x_label.is_empty() {
            0.0
        } else {
            LABEL_FONT + 8.0
        };
        let left = PAD + y_label_band + widest_y_label + TICK_LENGTH + 5.0;
        let top = if text.title.is_empty() {
            PAD + 8.0
        } else {
            2.0 * PAD + TITLE_FONT + 6.0
        };
        let bottom = PAD + x_tick_band + x_label_band;
        let right = if legend_width > 0.0 {
            LEGEND_GAP + legend_width + PAD
        } else {
            PAD + 20.0
        };
        PlotArea {
            left,
            top,
            width: (width - left - right).max(20.0),
            height: (height - top - bottom).max(20.0),
        }
    }

    pub(crate) fn right(&self) -> f64 {
        self.left + self.width
    }

    pub(crate) fn bottom(&self) -> f64 {
        self.top + self.height
    }

    pub(crate) fn x_at(&self, fraction: f64) -> f64 {
        self.left + fraction * self.width
    }

    /// Fractions count upwards from the bottom edge.
    pub(crate) fn y_at(&self, fraction: f64) -> f64 {
        self.bottom() - fraction * self.height
    }
}

/// Opens a group whose drawing is clipped to the plot area (plus a margin so markers and
/// thick lines on its edges stay whole): values beyond the axes cannot spill over the chart.
pub(crate) fn open_clipped_group(
    svg: &mut SvgWriter,
    plot: &PlotArea,
    attributes: &[(&str, &str)],
) {
    const MARGIN: f64 = 5.0;
    svg.open("defs", &[]);
    svg.open("clipPath", &[("id", "plot-area")]);
    svg.empty(
        "rect",
        &[
            ("x", &num(plot.left - MARGIN)),
            ("y", &num(plot.top - MARGIN)),
            ("width", &num(plot.width + 2.0 * MARGIN)),
            ("height", &num(plot.height + 2.0 * MARGIN)),
        ],
    );
    svg.close("clipPath");
    svg.close("defs");
    let mut attributes = attributes.to_vec();
    attributes.push(("clip-path", "url(#plot-area)"));
    svg.open("g", &attributes);
}

pub(crate) fn draw_title(svg: &mut SvgWriter, width: f64, title: &str) {
    if title.is_empty() {
        return;
    }
    svg.text(
        &[
            ("class", "title"),
            ("x", &num(width / 2.0)),
            ("y", &num(PAD + TITLE_FONT + 2.0)),
            ("text-anchor", "middle"),
            ("font-size", &num(TITLE_FONT)),
            ("font-weight", "bold"),
        ],
        title,
    );
}

/// Horizontal gridlines, tick marks and labels at each y tick.
pub(crate) fn draw_y_axis(svg: &mut SvgWriter, plot: &PlotArea, axis: &Axis) {
    let ys: Vec<f64> = axis
        .ticks
        .values
        .iter()
        .map(|&v| plot.y_at(axis.fraction(v)))
        .collect();
    svg.open(
        "g",
        &[
            ("class", "grid"),
            ("stroke", GRID_COLOUR),
            ("stroke-width", "1"),
        ],
    );
    for &y in &ys {
        horizontal_line(svg, plot.left, plot.right(), y);
    }
    svg.close("g");
    svg.open(
        "g",
        &[
            ("class", "y-ticks"),
            ("stroke", AXIS_COLOUR),
            ("stroke-width", "1"),
        ],
    );
    for &y in &ys {
        horizontal_line(svg, plot.left - TICK_LENGTH, plot.left, y);
    }
    svg.close("g");
    svg.open(
        "g",
        &[
            ("class", "y-tick-labels"),
            ("text-anchor", "end"),
            ("fill", AXIS_COLOUR),
        ],
    );
    for (label, &y) in axis.ticks.labels.iter().zip(&ys) {
        let x = plot.left - TICK_LENGTH - 4.0;
        svg.text(&[("x", &num(x)), ("y", &num(y + TICK_FONT * 0.35))], label);
    }
    svg.close("g");
}

/// Vertical gridlines, tick marks and labels at each x tick of a numeric x axis.
pub(crate) fn draw_x_axis(svg: &mut SvgWriter, plot: &PlotArea, axis: &Axis) {
    let xs: Vec<f64> = axis
        .ticks
        .values
        .iter()
        .map(|&v| plot.x_at(axis.fraction(v)))
        .collect();
    svg.open(
        "g",
        &[
            ("class", "grid"),
            ("stroke", GRID_COLOUR),
            ("stroke-width", "1"),
        ],
    );
    for &x in &xs {
        vertical_line(svg, x, plot.top, plot.bottom());
    }
    svg.close("g");
    svg.open(
        "g",
        &[
            ("class", "x-ticks"),
            ("stroke", AXIS_COLOUR),
            ("stroke-width", "1"),
        ],
    );
    for &x in &xs {
        vertical_line(svg, x, plot.bottom(), plot.bottom() + TICK_LENGTH);
    }
    svg.close("g");
    svg.open(
        "g",
        &[
            ("class", "x-tick-labels"),
            ("text-anchor", "middle"),
            ("fill", AXIS_COLOUR),
        ],
    );
    for (label, &x) in axis.ticks.labels.iter().zip(&xs) {
        let y = plot.bottom() + TICK_LENGTH + TICK_FONT + 2.0;
        svg.text(&[("x", &num(x)), ("y", &num(y))], label);
    }
    svg.close("g");
}

/// The left and bottom edges of the plot area.
pub(crate) fn draw_axis_lines(svg: &mut SvgWriter, plot: &PlotArea) {
    svg.open(
        "g",
        &[
            ("class", "axes"),
            ("stroke", AXIS_COLOUR),
            ("stroke-width", "1"),
        ],
    );
    horizontal_line(svg, plot.left, plot.right(), plot.bottom());
    vertical_line(svg, plot.left, plot.top, plot.bottom());
    svg.close("g");
}

pub(crate) fn draw_axis_labels(
    svg: &mut SvgWriter,
    height: f64,
    plot: &PlotArea,
    text: ChartText<'_>,
) {
    if !text.x_label.is_empty() {
        svg.text(
            &[
                ("class", "x-label"),
                ("x", &num(plot.left + plot.width / 2.0)),
                ("y", &num(height - PAD)),
                ("text-anchor", "middle"),
                ("font-size", &num(LABEL_FONT)),
            ],
            text.x_label,
        );
    }
    if !text.y_label.is_empty() {
        let x = num(PAD + LABEL_FONT);
        let y = num(plot.top + plot.height / 2.0);
        svg.text(
            &[
                ("class", "y-label"),
                ("x", &x),
                ("y", &y),
                ("text-anchor", "middle"),
                ("font-size", &num(LABEL_FONT)),
                ("transform", &format!("rotate(-90 {x} {y})")),
            ],
            text.y_label,
        );
    }
}

/// A chart with nothing to plot: the title and a centred "no data".
pub(crate) fn no_data_svg(width: f64, height: f64, title: &str) -> String {
    let mut svg = SvgWriter::new(width, height);
    draw_title(&mut svg, width, title);
    svg.text(
        &[
            ("class", "no-data"),
            ("x", &num(width / 2.0)),
            ("y", &num(height / 2.0)),
            ("text-anchor", "middle"),
            ("fill", "#777777"),
        ],
        "no data",
    );
    svg.finish()
}

fn horizontal_line(svg: &mut SvgWriter, x1: f64, x2: f64, y: f64) {
    let y = num(y);
    svg.empty(
        "line",
        &[("x1", &num(x1)), ("y1", &y), ("x2", &num(x2)), ("y2", &y)],
    );
}

fn vertical_line(svg: &mut SvgWriter, x: f64, y1: f64, y2: f64) {
    let x = num(x);
    svg.empty(
        "line",
        &[("x1", &x), ("y1", &num(y1)), ("x2", &x), ("y2", &num(y2))],
    );
}
