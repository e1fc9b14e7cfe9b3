use crate::xml_escape::escape_xml;

/// A minimal SVG serializer: one element per line, every attribute value and text escaped.
pub(crate) struct SvgWriter {
    out: String,
    depth: usize,
}

/// Formats a coordinate with at most two decimals and no trailing zeros; never `-0`.
pub(crate) fn num(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// Rough width of `text` in pixels in a sans-serif font: enough to lay out margins and legends.
pub(crate) fn text_width(text: &str, font_size: f64) -> f64 {
    text.chars().count() as f64 * font_size * 0.6
}

impl SvgWriter {
    /// Opens the root `<svg>` and paints a white background, so figures stay readable on dark pages.
    pub(crate) fn new(width: f64, height: f64) -> Self {
        let mut writer = SvgWriter {
            out: String::new(),
            depth: 0,
        };
        let (w, h) = (num(width), num(height));
        writer.open(
            "svg",
            &[
                ("xmlns", "http://www.w3.org/2000/svg"),
                ("width", &w),
                ("height", &h),
                ("viewBox", &format!("0 0 {w} {h}")),
                ("font-family", "sans-serif"),
                ("font-size", "12"),
            ],
        );
        writer.empty(
            "rect",
            &[("width", &w), ("height", &h), ("fill", "#FFFFFF")],
        );
        writer
    }

    pub(crate) fn open(&mut self, tag: &str, attributes: &[(&str, &str)]) {
        self.start_tag(tag, attributes);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    pub(crate) fn close(&mut self, tag: &str) {
        self.depth -= 1;
        self.indent();
        self.out.push_str(&format!("</{tag}>\n"));
    }

    pub(crate) fn empty(&mut self, tag: &str, attributes: &[(&str, &str)]) {
        self.start_tag(tag, attributes);
        self.out.push_str("/>\n");
    }

    pub(crate) fn text(&mut self, attributes: &[(&str, &str)], content: &str) {
        self.start_tag("text", attributes);
        self.out.push('>');
        self.out.push_str(&escape_xml(content));
        self.out.push_str("</text>\n");
    }

    pub(crate) fn finish(mut self) -> String {
        self.close("svg");
        debug_assert_eq!(self.depth, 0, "an SVG group was left open");
        self.out
    }

    fn start_tag(&mut self, tag: &str, attributes: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attributes {
            self.out
                .push_str(&format!(" {name}=\"{}\"", escape_xml(value)));
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_never_negative_zero() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(1.0 / 3.0), "0.33");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(-2.25), "-2.25");
    }

    #[test]
    fn escapes_attributes_and_text() {
        let mut svg = SvgWriter::new(10.0, 10.0);
        svg.text(&[("data-x", "a\"<b")], "<&>");
        let out = svg.finish();
        assert!(out.contains(r#"data-x="a&quot;&lt;b""#), "{out}");
        assert!(out.contains(">&lt;&amp;&gt;</text>"), "{out}");
    }
}
