use crate::error::Result;
use crate::line_chart::LineChart;

/// Something a report can include as an SVG figure.
pub trait Figure {
    /// The SVG document, or an error if the figure's data is inconsistent.
    fn render_svg(&self) -> Result<String>;
}

impl Figure for LineChart {
    fn render_svg(&self) -> Result<String> {
        Ok(self.to_svg())
    }
}

/// An SVG document drawn elsewhere.
impl Figure for str {
    fn render_svg(&self) -> Result<String> {
        Ok(self.to_string())
    }
}

impl Figure for String {
    fn render_svg(&self) -> Result<String> {
        Ok(self.clone())
    }
}
