use std::path::Path;

use crate::atomic_write::write_atomic;
use crate::axis::{Axis, Scale};
use crate::chart_frame::{
    ChartText, LEGEND_GAP, PlotArea, X_TICK_BAND, clamp_size, draw_axis_labels, draw_axis_lines,
    draw_title, draw_x_axis, draw_y_axis, no_data_svg, open_clipped_group,
};
use crate::error::Result;
use crate::legend::{Legend, LegendEntry, Swatch};
use crate::palette::{SeriesStyle, series_style};
use crate::svg_writer::{SvgWriter, num};

const MARKER_RADIUS: &str = "3";

/// One named line of (x, y) points, drawn in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct LineSeries {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    /// Half-length of a vertical error bar at each point (empty: no bars; 0: none there).
    pub errors: Vec<f64>,
}

/// A line chart drawn as SVG.
///
/// Points with a NaN or infinite coordinate (or a non-positive one on a log axis) are not drawn:
/// the line breaks there. A point with no drawable neighbour gets a marker so it stays
/// visible. A chart with no drawable point says "no data".
///
/// ```
/// use unmask_report::{LineChart, check_svg};
///
/// let svg = LineChart::new("Training loss")
///     .x_label("step")
///     .y_label("loss")
///     .series("linear", [(0.0, 4.1), (100.0, 3.2), (200.0, 2.9)])
///     .series("cosine", [(0.0, 4.0), (100.0, 3.0), (200.0, 2.7)])
///     .to_svg();
/// assert_eq!(check_svg(&svg)?.series_names(), ["linear", "cosine"]);
/// # Ok::<(), unmask_report::ReportError>(())
/// ```
#[derive(Debug, Clone)]
pub struct LineChart {
    title: String,
    x_label: String,
    y_label: String,
    series: Vec<LineSeries>,
    log_x: bool,
    log_y: bool,
    markers: bool,
    width: f64,
    height: f64,
}

impl LineChart {
    /// An empty 720 × 420 chart with linear axes and no markers.
    pub fn new(title: impl Into<String>) -> Self {
        LineChart {
            title: title.into(),
            x_label: String::new(),
            y_label: String::new(),
            series: Vec::new(),
            log_x: false,
            log_y: false,
            markers: false,
            width: 720.0,
            height: 420.0,
        }
    }

    pub fn x_label(mut self, label: impl Into<String>) -> Self {
        self.x_label = label.into();
        self
    }

    pub fn y_label(mut self, label: impl Into<String>) -> Self {
        self.y_label = label.into();
        self
    }

    /// Adds a series; series get palette colours in the order they are added.
    pub fn series(
        mut self,
        name: impl Into<String>,
        points: impl IntoIterator<Item = (f64, f64)>,
    ) -> Self {
        self.series.push(LineSeries {
            name: name.into(),
            points: points.into_iter().collect(),
            errors: Vec::new(),
        });
        self
    }

    /// Adds a series of `(x, y, error)` points drawn with vertical bars from `y - error` to
    /// `y + error` (a standard error, say).
    pub fn series_with_errors(
        mut self,
        name: impl Into<String>,
        points: impl IntoIterator<Item = (f64, f64, f64)>,
    ) -> Self {
        let (points, errors): (Vec<(f64, f64)>, Vec<f64>) =
            points.into_iter().map(|(x, y, e)| ((x, y), e)).unzip();
        self.series.push(LineSeries {
            name: name.into(),
            points,
            errors,
        });
        self
    }

    /// Logarithmic x axis (points with x ≤ 0 are not drawn).
    pub fn log_x(mut self, log: bool) -> Self {
        self.log_x = log;
        self
    }

    /// Logarithmic y axis (points with y ≤ 0 are not drawn).
    pub fn log_y(mut self, log: bool) -> Self {
        self.log_y = log;
        self
    }

    /// Draws a dot at every point.
    pub fn markers(mut self, markers: bool) -> Self {
        self.markers = markers;
        self
    }

    /// Size in pixels, clamped to 160..=8000 (non-finite values keep the default).
    pub fn size(mut self, width: f64, height: f64) -> Self {
        (self.width, self.height) = clamp_size(width, height);
        self
    }

    pub fn series_list(&self) -> &[LineSeries] {
        &self.series
    }

    /// The chart as a standalone SVG document. The same chart always gives the same bytes.
    pub fn to_svg(&self) -> String {
        let (x_scale, y_scale) = (Scale::from_log(self.log_x), Scale::from_log(self.log_y));
        let drawable = |&(x, y): &(f64, f64)| x_scale.accepts(x) && y_scale.accepts(y);
        let points = || {
            self.series
                .iter()
                .flat_map(|s| s.points.iter())
                .filter(|p| drawable(p))
        };
        let bar_ends = || {
            self.series.iter().flat_map(|s| {
                s.error_bars()
                    .filter(|&(x, y, _)| drawable(&(x, y)))
                    .flat_map(|(_, y, e)| [y - e, y + e])
                    .filter(|&y| y_scale.accepts(y))
            })
        };
        let (Some(x_axis), Some(y_axis)) = (
            Axis::fit(x_scale, points().map(|p| p.0)),
            Axis::fit(y_scale, points().map(|p| p.1).chain(bar_ends())),
        ) else {
            return no_data_svg(self.width, self.height, &self.title);
        };

        let text = ChartText {
            title: &self.title,
            x_label: &self.x_label,
            y_label: &self.y_label,
        };
        let legend = Legend::new(
            self.series
                .iter()
                .enumerate()
                .map(|(i, s)| LegendEntry {
                    name: s.name.clone(),
                    style: series_style(i),
                    swatch: Swatch::Line {
                        marker: self.markers,
                    },
                })
                .collect(),
            self.width,
        );
        let plot = PlotArea::layout(
            self.width,
            self.height,
            text,
            &y_axis.ticks.labels,
            X_TICK_BAND,
            legend.width(),
        );

        let mut svg = SvgWriter::new(self.width, self.height);
        draw_title(&mut svg, self.width, &self.title);
        draw_y_axis(&mut svg, &plot, &y_axis);
        draw_x_axis(&mut svg, &plot, &x_axis);
        draw_axis_lines(&mut svg, &plot);
        draw_axis_labels(&mut svg, self.height, &plot, text);
        open_clipped_group(
            &mut svg,
            &plot,
            &[("class", "series"), ("fill", "none"), ("stroke-width", "2")],
        );
        for (index, series) in self.series.iter().enumerate() {
            let segments = drawable_segments(&series.points, &drawable)
                .into_iter()
                .map(|segment| {
                    let place = |&(x, y): &(f64, f64)| {
                        (plot.x_at(x_axis.fraction(x)), plot.y_at(y_axis.fraction(y)))
                    };
                    segment.iter().map(place).collect::<Vec<_>>()
                })
                .collect::<Vec<_>>();
            self.draw_series(&mut svg, &series.name, series_style(index), &segments);
            let bars: Vec<(f64, f64, f64)> = series
                .error_bars()
                .filter(|&(x, y, _)| drawable(&(x, y)))
                .filter_map(|(x, y, e)| {
                    let (low, high) = (y - e, y + e);
                    (y_scale.accepts(low) && y_scale.accepts(high)).then(|| {
                        (
                            plot.x_at(x_axis.fraction(x)),
                            plot.y_at(y_axis.fraction(low)),
                            plot.y_at(y_axis.fraction(high)),
                        )
                    })
                })
                .collect();
            draw_error_bars(&mut svg, series_style(index), &bars);
        }
        svg.close("g");
        legend.draw(&mut svg, plot.right() + LEGEND_GAP, plot.top);
        svg.finish()
    }

    /// Writes the SVG to `path` atomically (temporary file + rename); the directory must exist.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomic(path.as_ref(), self.to_svg().as_bytes())
    }

    fn draw_series(
        &self,
        svg: &mut SvgWriter,
        name: &str,
        style: SeriesStyle,
        segments: &[Vec<(f64, f64)>],
    ) {
        if segments.is_empty() {
            return;
        }
        let path_data = segments
            .iter()
            .map(|segment| {
                let mut commands = String::new();
                for (i, &(x, y)) in segment.iter().enumerate() {
                    let command = if i == 0 { "M" } else { " L" };
                    commands.push_str(&format!("{command}{} {}", num(x), num(y)));
                }
                commands
            })
            .collect::<Vec<_>>()
            .join(" ");
        let mut attributes = vec![
            ("data-series", name),
            ("stroke", style.colour),
            ("d", &path_data),
        ];
        if let Some(dash) = style.dash {
            attributes.push(("stroke-dasharray", dash));
        }
        svg.empty("path", &attributes);

        let marked: Vec<(f64, f64)> = segments
            .iter()
            .filter(|segment| self.markers || segment.len() == 1)
            .flatten()
            .copied()
            .collect();
        if !marked.is_empty() {
            svg.open(
                "g",
                &[
                    ("class", "markers"),
                    ("fill", style.colour),
                    ("stroke", "none"),
                ],
            );
            for (x, y) in marked {
                svg.empty(
                    "circle",
                    &[("cx", &num(x)), ("cy", &num(y)), ("r", MARKER_RADIUS)],
                );
            }
            svg.close("g");
        }
    }
}

impl LineSeries {
    /// `(x, y, error)` of the points with a finite, positive error.
    fn error_bars(&self) -> impl Iterator<Item = (f64, f64, f64)> + '_ {
        self.points
            .iter()
            .zip(&self.errors)
            .filter(|(_, e)| e.is_finite() && **e > 0.0)
            .map(|(&(x, y), &e)| (x, y, e))
    }
}

/// Vertical bars with short caps, `(x, y_low, y_high)` in pixels.
fn draw_error_bars(svg: &mut SvgWriter, style: SeriesStyle, bars: &[(f64, f64, f64)]) {
    if bars.is_empty() {
        return;
    }
    let cap = 4.0;
    let path = bars
        .iter()
        .map(|&(x, low, high)| {
            format!(
                "M{} {} L{} {} M{} {} L{} {} M{} {} L{} {}",
                num(x),
                num(low),
                num(x),
                num(high),
                num(x - cap),
                num(low),
                num(x + cap),
                num(low),
                num(x - cap),
                num(high),
                num(x + cap),
                num(high)
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    svg.empty(
        "path",
        &[
            ("class", "error-bars"),
            ("stroke", style.colour),
            ("stroke-width", "1.5"),
            ("d", &path),
        ],
    );
}

/// Splits `points` into runs of consecutive drawable points.
fn drawable_segments<'a>(
    points: &'a [(f64, f64)],
    drawable: &impl Fn(&(f64, f64)) -> bool,
) -> Vec<&'a [(f64, f64)]> {
    points
        .split(|p| !drawable(p))
        .filter(|segment| !segment.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_break_at_undrawable_points() {
        let points = [
            (0.0, 1.0),
            (1.0, f64::NAN),
            (2.0, 3.0),
            (3.0, 4.0),
            (f64::INFINITY, 0.0),
        ];
        let finite = |&(x, y): &(f64, f64)| x.is_finite() && y.is_finite();
        let segments = drawable_segments(&points, &finite);
        assert_eq!(segments, vec![&points[0..1], &points[2..4]]);
    }
}
