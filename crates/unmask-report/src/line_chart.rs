use std::ops::Range;
use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::Result;
use crate::number_format::format_compact;
use crate::ticks;

/// The Okabe-Ito colour-blind-safe palette, palest (yellow) last. After eight series the
/// colours repeat with dashed lines.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0xF0, 0xE4, 0x42),
];
const FONT: &str = "sans-serif";
const MARKER_RADIUS: i32 = 3;
/// Half-width of an error bar's caps, in pixels.
const CAP: i32 = 4;
/// Rough width of a legend character at the legend's font size, in pixels.
const LEGEND_CHAR_WIDTH: f64 = 7.0;

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Drawn = std::result::Result<(), DrawingAreaErrorKind<std::io::Error>>;

/// One named line of (x, y) points, drawn in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct LineSeries {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    /// Half-length of a vertical error bar at each point (empty: no bars; 0: none there).
    pub errors: Vec<f64>,
}

/// A line chart drawn as SVG with [plotters](https://docs.rs/plotters): title, axes with
/// tick labels and axis labels, a legend right of the plot naming every series.
///
/// Points with a NaN, infinite or huge (beyond ±1e300) coordinate (or, on a log axis, one
/// below 1e-300) are not drawn:
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
/// let summary = check_svg(&svg)?;
/// assert!(summary.has_text("linear") && summary.has_text("cosine"));
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
    width: u32,
    height: u32,
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
            width: 720,
            height: 420,
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
        let clamp = |v: f64, default: u32| {
            if v.is_finite() {
                v.clamp(160.0, 8000.0).round() as u32
            } else {
                default
            }
        };
        (self.width, self.height) = (clamp(width, self.width), clamp(height, self.height));
        self
    }

    pub fn series_list(&self) -> &[LineSeries] {
        &self.series
    }

    /// The chart as a standalone SVG document. The same chart always gives the same bytes.
    pub fn to_svg(&self) -> String {
        let mut svg = String::new();
        {
            let root =
                SVGBackend::with_string(&mut svg, (self.width, self.height)).into_drawing_area();
            self.draw(&root)
                .and_then(|()| root.present())
                .expect("drawing into a String cannot fail");
        }
        svg
    }

    /// Writes the SVG to `path` atomically (temporary file + rename); the directory must exist.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        Ok(unmask_io::write_atomic(
            path.as_ref(),
            self.to_svg().as_bytes(),
        )?)
    }

    fn drawable(&self, (x, y): (f64, f64)) -> bool {
        accepts(self.log_x, x) && accepts(self.log_y, y)
    }

    /// `(x, y - e, y + e)` of each drawable point's error bar that fits on the y axis.
    fn error_bars<'a>(&'a self, series: &'a LineSeries) -> impl Iterator<Item = [f64; 3]> + 'a {
        series
            .points
            .iter()
            .zip(&series.errors)
            .filter(|&(&p, e)| self.drawable(p) && e.is_finite() && *e > 0.0)
            .map(|(&(x, y), &e)| [x, y - e, y + e])
            .filter(|&[_, low, high]| accepts(self.log_y, low) && accepts(self.log_y, high))
    }

    fn draw(&self, root: &Area) -> Drawn {
        root.fill(&WHITE)?;
        let plot = root.titled(&self.title, (FONT, 20))?;
        let points = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().copied())
            .filter(|&p| self.drawable(p));
        let ys = points.clone().map(|p| p.1).chain(
            self.series
                .iter()
                .flat_map(|s| self.error_bars(s))
                .flat_map(|[_, low, high]| [low, high]),
        );
        let (Some(x), Some(y)) = (
            axis_range(self.log_x, points.map(|p| p.0)),
            axis_range(self.log_y, ys),
        ) else {
            let (width, height) = plot.dim_in_pixel();
            let centre = (width as i32 / 2, height as i32 / 2);
            let grey = BLACK.mix(0.6);
            let style = TextStyle::from((FONT, 16).into_font())
                .color(&grey)
                .pos(Pos::new(HPos::Center, VPos::Center));
            return plot.draw(&Text::new("no data", centre, style));
        };

        let longest = self.series.iter().map(|s| s.name.chars().count()).max();
        let legend_width = (48.0 + LEGEND_CHAR_WIDTH * longest.unwrap_or(0) as f64)
            .min(f64::from(self.width) * 0.4);
        let (plot, legend) = plot.split_horizontally(self.width - legend_width.round() as u32);
        self.draw_plot(&plot, Axis::new(x, self.log_x), Axis::new(y, self.log_y))?;
        self.draw_legend(&legend)
    }

    fn draw_plot(&self, area: &Area, x: Axis, y: Axis) -> Drawn {
        let mut chart = ChartBuilder::on(area)
            .margin(8)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x, y)?;
        let tick_label = |v: &f64| format_compact(*v, 6);
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .x_label_formatter(&tick_label)
            .y_label_formatter(&tick_label)
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .max_light_lines(0)
            .bold_line_style(BLACK.mix(0.1))
            .draw()?;

        for (index, series) in self.series.iter().enumerate() {
            let colour = PALETTE[index % PALETTE.len()];
            let line = colour.stroke_width(2);
            for segment in series.points.split(|&p| !self.drawable(p)) {
                if segment.len() > 1 {
                    if index < PALETTE.len() {
                        chart.draw_series(plotters::series::LineSeries::new(
                            segment.iter().copied(),
                            line,
                        ))?;
                    } else {
                        chart.draw_series(DashedLineSeries::new(
                            segment.iter().copied(),
                            6,
                            3,
                            line,
                        ))?;
                    }
                }
                if self.markers || segment.len() == 1 {
                    chart.draw_series(
                        segment
                            .iter()
                            .map(|&p| Circle::new(p, MARKER_RADIUS, colour.filled())),
                    )?;
                }
            }
            let bar = colour.stroke_width(1);
            let bars: Vec<[f64; 3]> = self.error_bars(series).collect();
            chart.draw_series(
                bars.iter()
                    .map(|&[x, low, high]| PathElement::new([(x, low), (x, high)], bar)),
            )?;
            chart.draw_series(bars.iter().flat_map(|&[x, low, high]| {
                [low, high].map(|y| {
                    EmptyElement::at((x, y)) + PathElement::new([(-CAP, 0), (CAP, 0)], bar)
                })
            }))?;
        }
        Ok(())
    }

    /// One row per series: a line swatch (with a dot if the chart has markers) and the name.
    fn draw_legend(&self, area: &Area) -> Drawn {
        let label = TextStyle::from((FONT, 13).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        for (index, series) in self.series.iter().enumerate() {
            let colour = PALETTE[index % PALETTE.len()];
            let y = 20 + 20 * index as i32;
            area.draw(&PathElement::new([(4, y), (28, y)], colour.stroke_width(2)))?;
            if self.markers {
                area.draw(&Circle::new((16, y), MARKER_RADIUS, colour.filled()))?;
            }
            area.draw(&Text::new(series.name.as_str(), (34, y), label.clone()))?;
        }
        Ok(())
    }
}

/// One axis: a linear or log mapping of `range` onto pixels, with the ticks of `ticks.rs`
/// (plotters' own tick search never returns on some spans).
#[derive(Clone)]
struct Axis {
    range: Range<f64>,
    log: bool,
    ticks: Vec<f64>,
}

impl Axis {
    fn new(range: Range<f64>, log: bool) -> Self {
        let ticks = if log {
            ticks::log(&range)
        } else {
            ticks::linear(&range)
        };
        Axis { range, log, ticks }
    }

    fn position(&self, value: f64) -> f64 {
        if self.log { value.log10() } else { value }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let (low, high) = (
            self.position(self.range.start),
            self.position(self.range.end),
        );
        let share = if high > low {
            (self.position(*value) - low) / (high - low)
        } else {
            0.5
        };
        let pixel = f64::from(limit.0) + share * f64::from(limit.1 - limit.0);
        pixel.clamp(-1e6, 1e6).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Bold ticks only: no light grid lines.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

/// Values beyond this magnitude are not drawn (on a log axis: below its inverse): the axis
/// span must stay finite.
const LIMIT: f64 = 1e300;

/// Whether a value can be placed on a linear (|value| ≤ 1e300) or log (1e-300..=1e300) axis.
fn accepts(log: bool, value: f64) -> bool {
    value.abs() <= LIMIT && (!log || value >= 1.0 / LIMIT)
}

/// The axis range around `values`: on a linear axis with a 5% margin each side (a single
/// value is widened by 10% of itself, or by 1 if it is 0); on a log axis out to whole decades,
/// where the ticks are. `None` when there is no value.
fn axis_range(log: bool, values: impl Iterator<Item = f64>) -> Option<Range<f64>> {
    let (low, high) = values.fold(None, |range: Option<(f64, f64)>, v| match range {
        None => Some((v, v)),
        Some((low, high)) => Some((low.min(v), high.max(v))),
    })?;
    if log {
        let (low, high) = (low.log10().floor(), high.log10().ceil());
        let high = if high > low { high } else { low + 1.0 };
        return Some(10f64.powf(low)..10f64.powf(high));
    }
    // A span within rounding of the values counts as a single value, which gets a margin
    // the ticks can resolve.
    let pad = if high - low > low.abs().max(high.abs()) * 1e-9 {
        (high - low) * 0.05
    } else if high == 0.0 {
        1.0
    } else {
        high.abs() * 0.1
    };
    Some(low - pad..high + pad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_ranges_pad_the_data_and_widen_a_single_value() {
        assert_eq!(axis_range(false, [0.0, 10.0].into_iter()), Some(-0.5..10.5));
        assert_eq!(axis_range(false, [5.0, 5.0].into_iter()), Some(4.5..5.5));
        assert_eq!(axis_range(false, [0.0].into_iter()), Some(-1.0..1.0));
        let near = axis_range(false, [5.0, 5.0 + 1e-12].into_iter()).unwrap();
        assert!(near.end - near.start > 1.0, "{near:?}");
        assert_eq!(axis_range(false, std::iter::empty()), None);
        assert_eq!(axis_range(true, [4.0, 64.0].into_iter()), Some(1.0..100.0));
        assert_eq!(
            axis_range(true, [0.5, 1000.0].into_iter()),
            Some(0.1..1000.0)
        );
        assert_eq!(axis_range(true, [100.0].into_iter()), Some(100.0..1000.0));
    }
}
