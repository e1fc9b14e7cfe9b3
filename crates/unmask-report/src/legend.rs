use crate::chart_frame::TICK_FONT;
use crate::palette::SeriesStyle;
use crate::svg_writer::{SvgWriter, num, text_width};

const SWATCH_WIDTH: f64 = 22.0;
const SWATCH_GAP: f64 = 6.0;
const ROW_HEIGHT: f64 = 18.0;
/// The legend takes at most this share of the chart width; longer names are shortened.
const MAX_WIDTH_SHARE: f64 = 0.3;

/// How a legend entry's swatch looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Swatch {
    Line { marker: bool },
    Box,
}

#[derive(Debug, Clone)]
pub(crate) struct LegendEntry {
    pub(crate) name: String,
    pub(crate) style: SeriesStyle,
    pub(crate) swatch: Swatch,
}

/// A vertical list of series names with their swatches, placed right of the plot area.
#[derive(Debug, Clone)]
pub(crate) struct Legend {
    entries: Vec<LegendEntry>,
}

impl Legend {
    /// Builds the legend for a chart `chart_width` wide, shortening names that would not fit.
    pub(crate) fn new(entries: Vec<LegendEntry>, chart_width: f64) -> Self {
        let max_text = chart_width * MAX_WIDTH_SHARE - SWATCH_WIDTH - SWATCH_GAP;
        let max_chars = ((max_text / (TICK_FONT * 0.6)).floor() as usize).max(6);
        let entries = entries
            .into_iter()
            .map(|entry| LegendEntry {
                name: shorten(&entry.name, max_chars),
                ..entry
            })
            .collect();
        Legend { entries }
    }

    /// Width in pixels; 0 for an empty legend.
    pub(crate) fn width(&self) -> f64 {
        let widest = self
            .entries
            .iter()
            .map(|e| text_width(&e.name, TICK_FONT))
            .fold(0.0, f64::max);
        if self.entries.is_empty() {
            0.0
        } else {
            SWATCH_WIDTH + SWATCH_GAP + widest
        }
    }

    /// Draws the legend with its top-left corner at (`left`, `top`).
    pub(crate) fn draw(&self, svg: &mut SvgWriter, left: f64, top: f64) {
        if self.entries.is_empty() {
            return;
        }
        svg.open("g", &[("class", "legend")]);
        for (row, entry) in self.entries.iter().enumerate() {
            let middle = top + ROW_HEIGHT * (row as f64 + 0.5);
            draw_swatch(svg, entry, left, middle);
            svg.text(
                &[
                    ("x", &num(left + SWATCH_WIDTH + SWATCH_GAP)),
                    ("y", &num(middle + TICK_FONT * 0.35)),
                ],
                &entry.name,
            );
        }
        svg.close("g");
    }
}

fn draw_swatch(svg: &mut SvgWriter, entry: &LegendEntry, left: f64, middle: f64) {
    let colour = entry.style.colour;
    match entry.swatch {
        Swatch::Line { marker } => {
            let (x1, x2, y) = (num(left), num(left + SWATCH_WIDTH), num(middle));
            let mut attributes = vec![
                ("x1", x1.as_str()),
                ("y1", &y),
                ("x2", &x2),
                ("y2", &y),
                ("stroke", colour),
                ("stroke-width", "2"),
            ];
            if let Some(dash) = entry.style.dash {
                attributes.push(("stroke-dasharray", dash));
            }
            svg.empty("line", &attributes);
            if marker {
                let cx = num(left + SWATCH_WIDTH / 2.0);
                svg.empty(
                    "circle",
                    &[("cx", &cx), ("cy", &y), ("r", "3"), ("fill", colour)],
                );
            }
        }
        Swatch::Box => {
            let (x, y) = (num(left + 4.0), num(middle - 6.0));
            let mut attributes = vec![
                ("x", x.as_str()),
                ("y", &y),
                ("width", "12"),
                ("height", "12"),
                ("fill", colour),
            ];
            if let Some(dash) = entry.style.dash {
                attributes.extend([("stroke", "#000000"), ("stroke-dasharray", dash)]);
            }
            svg.empty("rect", &attributes);
        }
    }
}

fn shorten(name: &str, max_chars: usize) -> String {
    if name.chars().count() <= max_chars {
        name.to_string()
    } else {
        let kept: String = name.chars().take(max_chars - 1).collect();
        format!("{kept}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::palette::series_style;

    #[test]
    fn long_names_are_shortened_to_fit() {
        let entry = LegendEntry {
            name: "x".repeat(500),
            style: series_style(0),
            swatch: Swatch::Box,
        };
        let legend = Legend::new(vec![entry], 720.0);
        assert!(legend.width() <= 720.0 * MAX_WIDTH_SHARE + 1e-9);
        assert!(legend.entries[0].name.ends_with('…'));
    }
}
