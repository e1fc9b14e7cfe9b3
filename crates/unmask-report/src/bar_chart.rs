use std::path::Path;

use crate::atomic_write::write_atomic;
use crate::axis::{Axis, Scale};
use crate::chart_frame::{
    ChartText, LEGEND_GAP, PlotArea, TICK_FONT, X_TICK_BAND, clamp_size, draw_axis_labels,
    draw_axis_lines, draw_title, draw_y_axis, no_data_svg, open_clipped_group,
};
use crate::error::{ReportError, Result};
use crate::legend::{Legend, LegendEntry, Swatch};
use crate::number_format::format_compact;
use crate::palette::series_style;
use crate::svg_writer::{SvgWriter, num, text_width};

/// Share of each category's width left empty between groups.
const GROUP_GAP: f64 = 0.2;
/// Category labels wider than their slot are turned by this many degrees.
const LABEL_ANGLE: f64 = 35.0;
const VALUE_FONT: f64 = 10.0;

/// One named series: a value per category.
#[derive(Debug, Clone, PartialEq)]
pub struct BarSeries {
    pub name: String,
    pub values: Vec<f64>,
}

/// Grouped bars: one group per category, one bar per series within each group.
///
/// NaN or infinite values (and non-positive ones on a log axis) get no bar. On a linear axis
/// bars start at zero; on a log axis at the bottom of the axis.
///
/// ```
/// use unmask_report::{BarChart, check_svg};
///
/// let chart = BarChart::new("Perplexity")
///     .categories(["SOTU", "Moby-Dick"])
///     .series("roberta-base", [12.5, 30.1])
///     .series("distilroberta", [15.0, 41.7])
///     .y_label("perplexity");
/// let summary = check_svg(&chart.to_svg())?;
/// assert_eq!(summary.series[0].elements, 2); // two bars for roberta-base
/// # Ok::<(), unmask_report::ReportError>(())
/// ```
#[derive(Debug, Clone)]
pub struct BarChart {
    title: String,
    x_label: String,
    y_label: String,
    categories: Vec<String>,
    series: Vec<BarSeries>,
    log_y: bool,
    value_labels: bool,
    width: f64,
    height: f64,
}

impl BarChart {
    /// An empty 720 × 420 chart with a linear y axis.
    pub fn new(title: impl Into<String>) -> Self {
        BarChart {
            title: title.into(),
            x_label: String::new(),
            y_label: String::new(),
            categories: Vec::new(),
            series: Vec::new(),
            log_y: false,
            value_labels: false,
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

    /// The groups along the x axis, in order.
    pub fn categories<S: Into<String>>(mut self, categories: impl IntoIterator<Item = S>) -> Self {
        self.categories = categories.into_iter().map(Into::into).collect();
        self
    }

    /// Adds a series with one value per category (see [`BarChart::validate`]).
    pub fn series(
        mut self,
        name: impl Into<String>,
        values: impl IntoIterator<Item = f64>,
    ) -> Self {
        self.series.push(BarSeries {
            name: name.into(),
            values: values.into_iter().collect(),
        });
        self
    }

    /// Logarithmic y axis.
    pub fn log_y(mut self, log: bool) -> Self {
        self.log_y = log;
        self
    }

    /// Prints each bar's value (up to 4 significant digits) at its end.
    pub fn value_labels(mut self, show: bool) -> Self {
        self.value_labels = show;
        self
    }

    /// Size in pixels, clamped to 160..=8000 (non-finite values keep the default).
    pub fn size(mut self, width: f64, height: f64) -> Self {
        (self.width, self.height) = clamp_size(width, height);
        self
    }

    pub fn series_list(&self) -> &[BarSeries] {
        &self.series
    }

    /// Checks that every series has exactly one value per category. [`BarChart::to_svg`] draws
    /// a mismatched chart anyway (missing values get no bar, extra ones are ignored);
    /// [`BarChart::write`] refuses it.
    pub fn validate(&self) -> Result<()> {
        match self
            .series
            .iter()
            .find(|s| s.values.len() != self.categories.len())
        {
            Some(series) => Err(ReportError::BarLengthMismatch {
                series: series.name.clone(),
                values: series.values.len(),
                categories: self.categories.len(),
            }),
            None => Ok(()),
        }
    }

    /// The chart as a standalone SVG document. The same chart always gives the same bytes.
    pub fn to_svg(&self) -> String {
        let scale = Scale::from_log(self.log_y);
        let categories = self.categories.len();
        let values = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().take(categories).copied());
        let fitted = match scale {
            // Bars grow from zero, so zero belongs on the axis.
            Scale::Linear if values.clone().any(|v| scale.accepts(v)) => {
                Axis::fit(scale, values.chain([0.0]))
            }
            Scale::Linear => None,
            Scale::Log => Axis::fit(scale, values),
        };
        let Some(y_axis) = fitted else {
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
                    swatch: Swatch::Box,
                })
                .collect(),
            self.width,
        );
        // Lay out once with flat labels to learn each group's width, then turn labels that do not fit.
        let flat_plot = PlotArea::layout(
            self.width,
            self.height,
            text,
            &y_axis.ticks.labels,
            X_TICK_BAND,
            legend.width(),
        );
        let group_width = flat_plot.width / categories as f64;
        let widest_label = self
            .categories
            .iter()
            .map(|c| text_width(c, TICK_FONT))
            .fold(0.0, f64::max);
        let turn_labels = widest_label > group_width * 0.95;
        let plot = if turn_labels {
            let band = X_TICK_BAND + widest_label * LABEL_ANGLE.to_radians().sin();
            PlotArea::layout(
                self.width,
                self.height,
                text,
                &y_axis.ticks.labels,
                band,
                legend.width(),
            )
        } else {
            flat_plot
        };

        let mut svg = SvgWriter::new(self.width, self.height);
        draw_title(&mut svg, self.width, &self.title);
        draw_y_axis(&mut svg, &plot, &y_axis);
        self.draw_bars(&mut svg, &plot, &y_axis);
        draw_axis_lines(&mut svg, &plot);
        self.draw_category_labels(&mut svg, &plot, turn_labels);
        draw_axis_labels(&mut svg, self.height, &plot, text);
        legend.draw(&mut svg, plot.right() + LEGEND_GAP, plot.top);
        svg.finish()
    }

    /// Validates the chart ([`BarChart::validate`]) and writes the SVG to `path` atomically; the
    /// directory must exist.
    pub fn write(&self, path: impl AsRef<Path>) -> Result<()> {
        self.validate()?;
        write_atomic(path.as_ref(), self.to_svg().as_bytes())
    }

    fn draw_bars(&self, svg: &mut SvgWriter, plot: &PlotArea, y_axis: &Axis) {
        let group_width = plot.width / self.categories.len() as f64;
        let bar_width = group_width * (1.0 - GROUP_GAP) / self.series.len() as f64;
        let base_fraction = match y_axis.scale {
            Scale::Linear => y_axis.fraction(0.0),
            Scale::Log => 0.0,
        };
        let base_y = plot.y_at(base_fraction);
        open_clipped_group(svg, plot, &[("class", "bars")]);
        for (index, series) in self.series.iter().enumerate() {
            let style = series_style(index);
            let mut group = vec![("fill", style.colour)];
            if let Some(dash) = style.dash {
                group.extend([("stroke", "#000000"), ("stroke-dasharray", dash)]);
            }
            svg.open("g", &group);
            for (category, &value) in series.values.iter().enumerate().take(self.categories.len()) {
                if !y_axis.scale.accepts(value) {
                    continue;
                }
                let x = plot.left
                    + group_width * (category as f64 + GROUP_GAP / 2.0)
                    + bar_width * index as f64;
                let value_y = plot.y_at(y_axis.fraction(value));
                svg.empty(
                    "rect",
                    &[
                        ("data-series", &series.name),
                        ("x", &num(x)),
                        ("y", &num(value_y.min(base_y))),
                        ("width", &num(bar_width)),
                        ("height", &num((value_y - base_y).abs())),
                    ],
                );
                if self.value_labels {
                    let above = value_y <= base_y;
                    let label_y = if above {
                        value_y - 3.0
                    } else {
                        value_y + VALUE_FONT + 2.0
                    };
                    svg.text(
                        &[
                            ("class", "value"),
                            ("x", &num(x + bar_width / 2.0)),
                            ("y", &num(label_y)),
                            ("text-anchor", "middle"),
                            ("font-size", &num(VALUE_FONT)),
                            ("fill", "#333333"),
                            ("stroke", "none"),
                        ],
                        &format_compact(value, 4),
                    );
                }
            }
            svg.close("g");
        }
        svg.close("g");
    }

    fn draw_category_labels(&self, svg: &mut SvgWriter, plot: &PlotArea, turned: bool) {
        let group_width = plot.width / self.categories.len() as f64;
        let anchor = if turned { "end" } else { "middle" };
        svg.open(
            "g",
            &[
                ("class", "x-tick-labels"),
                ("text-anchor", anchor),
                ("fill", "#333333"),
            ],
        );
        for (i, category) in self.categories.iter().enumerate() {
            let x = num(plot.left + group_width * (i as f64 + 0.5));
            let y = num(plot.bottom() + TICK_FONT + 6.0);
            if turned {
                let transform = format!("rotate(-{} {x} {y})", num(LABEL_ANGLE));
                svg.text(&[("x", &x), ("y", &y), ("transform", &transform)], category);
            } else {
                svg.text(&[("x", &x), ("y", &y)], category);
            }
        }
        svg.close("g");
    }
}
