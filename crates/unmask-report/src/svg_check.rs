use std::collections::BTreeMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::error::{ReportError, Result};

const SVG_NAMESPACE: &str = "http://www.w3.org/2000/svg";
/// Attributes that must hold one finite number (a unit or `%` may follow).
const NUMERIC_ATTRIBUTES: &[&str] = &[
    "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height",
];
/// Attributes holding lists of numbers, where a NaN or infinity betrays a drawing bug.
const GEOMETRY_LIST_ATTRIBUTES: &[&str] = &["d", "points", "transform", "viewBox"];

/// What [`check_svg`] found in a document.
#[derive(Debug, Clone, PartialEq)]
pub struct SvgSummary {
    pub width: f64,
    pub height: f64,
    /// `min-x min-y width height`, if the root has a `viewBox`.
    pub view_box: Option<[f64; 4]>,
    /// How many elements of each name (`polyline`, `circle`, `text`, …) the document holds.
    pub elements: BTreeMap<String, usize>,
    /// The unescaped content of each `<text>` element with surrounding white space trimmed,
    /// in document order.
    pub text_contents: Vec<String>,
}

impl SvgSummary {
    /// How many `<name>` elements the document holds.
    pub fn count(&self, name: &str) -> usize {
        self.elements.get(name).copied().unwrap_or(0)
    }

    pub fn has_text(&self, text: &str) -> bool {
        self.text_contents.iter().any(|t| t == text)
    }
}

/// Checks that `svg` is a well-formed XML document whose single root is an `<svg>` in the SVG
/// namespace with positive `width` and `height` (and a four-number `viewBox` if it has one),
/// and that no coordinate is NaN or infinite; then counts what was drawn.
pub fn check_svg(svg: &str) -> Result<SvgSummary> {
    let mut reader = Reader::from_str(svg);
    reader.config_mut().check_end_names = true;
    let mut open: Vec<String> = Vec::new();
    let mut root_seen = false;
    let mut summary = SvgSummary {
        width: 0.0,
        height: 0.0,
        view_box: None,
        elements: BTreeMap::new(),
        text_contents: Vec::new(),
    };
    // Depth at which the current <text> element was opened, and its content so far.
    let mut text: Option<(usize, String)> = None;

    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| invalid(format!("not well-formed XML near byte {position}: {e}")))?;
        match event {
            Event::Start(ref element) | Event::Empty(ref element) => {
                let name = element.name().as_ref().to_string();
                if !name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphabetic() || c == '_')
                {
                    return Err(invalid(format!(
                        "not well-formed XML near byte {position}: `<{name}` is not an element name \
                         (an unescaped `<` in text?)"
                    )));
                }
                if open.is_empty() {
                    if root_seen {
                        return Err(invalid(format!(
                            "a second root element <{name}> follows </svg>"
                        )));
                    }
                    root_seen = true;
                    check_root(element, &mut summary)?;
                }
                check_attributes(element, &name)?;
                *summary.elements.entry(name.clone()).or_default() += 1;
                if let Event::Start(_) = event {
                    open.push(name.clone());
                    if name == "text" && text.is_none() {
                        text = Some((open.len(), String::new()));
                    }
                } else if name == "text" && text.is_none() {
                    summary.text_contents.push(String::new());
                }
            }
            Event::End(_) => {
                if let Some((depth, content)) = text.take() {
                    if depth == open.len() {
                        summary.text_contents.push(content.trim().to_string());
                    } else {
                        text = Some((depth, content));
                    }
                }
                open.pop();
            }
            Event::Text(ref content) => {
                let content = content.xml10_content();
                if open.is_empty() && !content.trim().is_empty() {
                    return Err(invalid(format!(
                        "text outside the root element: {:?}",
                        content.trim()
                    )));
                }
                if let Some((_, buffer)) = text.as_mut() {
                    buffer.push_str(&content);
                }
            }
            Event::CData(ref content) => {
                if let Some((_, buffer)) = text.as_mut() {
                    buffer.push_str(&content.xml10_content());
                }
            }
            Event::GeneralRef(ref reference) => {
                let resolved =
                    resolve_reference(&reference.xml10_content(), reference.resolve_char_ref())?;
                if open.is_empty() {
                    return Err(invalid(
                        "an entity reference outside the root element".to_string(),
                    ));
                }
                if let Some((_, buffer)) = text.as_mut() {
                    buffer.push(resolved);
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(unclosed) = open.last() {
        return Err(invalid(format!("<{unclosed}> is never closed")));
    }
    if !root_seen {
        return Err(invalid("the document has no root element".to_string()));
    }
    Ok(summary)
}

fn invalid(message: String) -> ReportError {
    ReportError::InvalidSvg(message)
}

fn resolve_reference(
    name: &str,
    char_ref: std::result::Result<Option<char>, quick_xml::Error>,
) -> Result<char> {
    match char_ref {
        Ok(Some(c)) => return Ok(c),
        Ok(None) => {}
        Err(e) => return Err(invalid(format!("bad character reference `&{name};`: {e}"))),
    }
    match name {
        "lt" => Ok('<'),
        "gt" => Ok('>'),
        "amp" => Ok('&'),
        "apos" => Ok('\''),
        "quot" => Ok('"'),
        _ => Err(invalid(format!(
            "unknown entity `&{name};` (XML knows only lt, gt, amp, apos, quot)"
        ))),
    }
}

fn check_root(element: &BytesStart<'_>, summary: &mut SvgSummary) -> Result<()> {
    let name = element.name().as_ref().to_string();
    if name != "svg" {
        return Err(invalid(format!("the root element is <{name}>, not <svg>")));
    }
    let attribute = |key: &str| -> Result<Option<String>> {
        element
            .try_get_attribute(key)
            .map_err(|e| invalid(format!("bad attribute on <svg>: {e}")))?
            .map(|a| {
                a.normalized_value(XmlVersion::Implicit1_0)
                    .map(|v| v.into_owned())
            })
            .transpose()
            .map_err(|e| invalid(format!("bad `{key}` on <svg>: {e}")))
    };
    let required = |key: &str| -> Result<String> {
        attribute(key)?.ok_or_else(|| invalid(format!("<svg> has no `{key}` attribute")))
    };
    if required("xmlns")? != SVG_NAMESPACE {
        return Err(invalid(format!(
            "<svg> must declare xmlns=\"{SVG_NAMESPACE}\""
        )));
    }
    summary.width = positive_length(&required("width")?, "width")?;
    summary.height = positive_length(&required("height")?, "height")?;
    let Some(view_box) = attribute("viewBox")? else {
        return Ok(());
    };
    let numbers: Vec<f64> = view_box
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<f64>())
        .collect::<std::result::Result<_, _>>()
        .map_err(|_| invalid(format!("viewBox `{view_box}` is not four numbers")))?;
    match numbers[..] {
        [x, y, w, h] if [x, y, w, h].iter().all(|v| v.is_finite()) && w > 0.0 && h > 0.0 => {
            summary.view_box = Some([x, y, w, h]);
            Ok(())
        }
        _ => Err(invalid(format!(
            "viewBox `{view_box}` must be four finite numbers with a positive width and height"
        ))),
    }
}

fn positive_length(value: &str, key: &str) -> Result<f64> {
    match parse_length(value) {
        Some(v) if v > 0.0 => Ok(v),
        _ => Err(invalid(format!(
            "<svg> {key} `{value}` is not a positive length"
        ))),
    }
}

/// A number with an optional unit or `%`; `None` unless it is finite.
fn parse_length(value: &str) -> Option<f64> {
    let number = value
        .trim()
        .trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '%');
    number.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn check_attributes(element: &BytesStart<'_>, name: &str) -> Result<()> {
    for attribute in element.attributes() {
        let attribute =
            attribute.map_err(|e| invalid(format!("bad attribute on <{name}>: {e}")))?;
        let key = attribute.key.as_ref().to_string();
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| invalid(format!("bad value of `{key}` on <{name}>: {e}")))?;
        if NUMERIC_ATTRIBUTES.contains(&key.as_str()) && parse_length(&value).is_none() {
            return Err(invalid(format!(
                "<{name}> {key}=\"{value}\" is not a finite number"
            )));
        }
        let lower = value.to_ascii_lowercase();
        if GEOMETRY_LIST_ATTRIBUTES.contains(&key.as_str())
            && (lower.contains("nan") || lower.contains("inf"))
        {
            return Err(invalid(format!(
                "<{name}> {key}=\"{value}\" holds a non-finite number"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str =
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10">"#;

    #[test]
    fn counts_elements_and_collects_text() {
        let svg = format!(
            "{HEAD}<path d=\"M0 0 L1 1\"/><polyline points=\"0,0 1,1\"/>\
             <text> x &lt; <tspan>y</tspan>&#33;\n</text><rect width=\"1\" height=\"1\"/>\
             <rect width=\"1\" height=\"1\"/></svg>"
        );
        let summary = check_svg(&svg).unwrap();
        let counts = ["path", "polyline", "text", "rect", "circle"].map(|e| summary.count(e));
        assert_eq!(counts, [1, 1, 1, 2, 0]);
        assert_eq!(summary.text_contents, vec!["x < y!"]);
        assert_eq!(summary.view_box, Some([0.0, 0.0, 10.0, 10.0]));
    }

    #[test]
    fn rejects_malformed_documents() {
        let cases = [
            format!("{HEAD}<g></svg>"),
            format!("{HEAD}<g>"),
            format!("{HEAD}<text>a < b</text></svg>"),
            format!("{HEAD}<text>a & b</text></svg>"),
            format!("{HEAD}<text>&nbsp;</text></svg>"),
            format!("{HEAD}</svg><svg/>"),
            format!("{HEAD}</svg>trailing"),
            format!("{HEAD}<rect x=\"1\" x=\"2\"/></svg>"),
            format!("{HEAD}<circle cx=\"NaN\" cy=\"0\" r=\"1\"/></svg>"),
            format!("{HEAD}<path d=\"M0 0 Linf 1\"/></svg>"),
            "<html/>".to_string(),
            r#"<svg width="10" height="10" viewBox="0 0 10 10"/>"#.to_string(),
            r#"<svg xmlns="http://www.w3.org/2000/svg" height="10" viewBox="0 0 10 10"/>"#.to_string(),
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="0" height="10" viewBox="0 0 10 10"/>"#.to_string(),
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10"/>"#.to_string(),
            String::new(),
        ];
        for case in cases {
            assert!(check_svg(&case).is_err(), "accepted: {case}");
        }
    }

    #[test]
    fn accepts_declarations_comments_and_units() {
        let svg = r#"<?xml version="1.0"?><!-- c --><svg xmlns="http://www.w3.org/2000/svg" width="10px" height="5px" viewBox="0,0,10,5"/>"#;
        let summary = check_svg(svg).unwrap();
        assert_eq!((summary.width, summary.height), (10.0, 5.0));
    }
}
