use crate::SamplerError;

const OPEN: &str = "[MASK";

/// One piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Fixed text, encoded as is.
    Text(String),
    /// A span of this many positions to generate.
    Mask(usize),
}

/// Text with masked spans to fill: `"The war ended in [MASK:12]. After that, [MASK:30]"`.
///
/// `[MASK:N]` is a span of N >= 1 generated tokens and `[MASK]` a single one. Any other text,
/// brackets included, is literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    segments: Vec<Segment>,
}

impl Template {
    /// Parses a template; it must contain at least one masked span.
    pub fn parse(source: &str) -> Result<Self, SamplerError> {
        let malformed = |offset: usize, reason: String| SamplerError::MalformedTemplate {
            template: source.to_string(),
            offset,
            reason,
        };
        let mut segments = Vec::new();
        let mut text = String::new();
        let mut rest = source;
        while let Some(found) = rest.find(OPEN) {
            let offset = source.len() - rest.len() + found;
            let after = &rest[found + OPEN.len()..];
            let (len, consumed) = if let Some(tail) = after.strip_prefix(']') {
                (1, after.len() - tail.len())
            } else if let Some(tail) = after.strip_prefix(':') {
                let close = tail.find(']').ok_or_else(|| {
                    malformed(offset, "`[MASK:` is never closed by `]`".to_string())
                })?;
                let raw = tail[..close].trim();
                let len: usize = raw.parse().map_err(|_| {
                    malformed(
                        offset,
                        format!("the span length {raw:?} is not a whole number"),
                    )
                })?;
                if len == 0 {
                    return Err(malformed(offset, "a masked span of length 0".to_string()));
                }
                (len, 1 + close + 1)
            } else {
                // `[MASKED]` and the like are plain text.
                text.push_str(&rest[..found + OPEN.len()]);
                rest = after;
                continue;
            };
            text.push_str(&rest[..found]);
            if !text.is_empty() {
                segments.push(Segment::Text(std::mem::take(&mut text)));
            }
            segments.push(Segment::Mask(len));
            rest = &after[consumed..];
        }
        text.push_str(rest);
        if !text.is_empty() {
            segments.push(Segment::Text(text));
        }
        if !segments.iter().any(|s| matches!(s, Segment::Mask(_))) {
            return Err(SamplerError::NoMaskedSpan {
                template: source.to_string(),
            });
        }
        Ok(Self {
            source: source.to_string(),
            segments,
        })
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// The template as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Total number of positions to generate (`usize::MAX` when the spans add up to more).
    pub fn num_masked(&self) -> usize {
        self.segments
            .iter()
            .map(|s| match s {
                Segment::Mask(n) => *n,
                Segment::Text(_) => 0,
            })
            .fold(0, usize::saturating_add)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Segment {
        Segment::Text(s.to_string())
    }

    #[test]
    fn splits_text_and_spans() {
        let template =
            Template::parse("The war ended in [MASK:12]. After that, [MASK:30]").unwrap();
        assert_eq!(
            template.segments(),
            [
                text("The war ended in "),
                Segment::Mask(12),
                text(". After that, "),
                Segment::Mask(30)
            ]
        );
        assert_eq!(template.num_masked(), 42);
    }

    #[test]
    fn single_mask_adjacent_spans_and_literal_brackets() {
        let template = Template::parse("[MASK][MASK: 3 ] a [MASKED] [x]").unwrap();
        assert_eq!(
            template.segments(),
            [Segment::Mask(1), Segment::Mask(3), text(" a [MASKED] [x]")]
        );
    }

    #[test]
    fn malformed_templates_are_errors() {
        for (source, needle) in [
            ("a [MASK:12", "never closed"),
            ("a [MASK:x] b", "not a whole number"),
            ("a [MASK:] b", "not a whole number"),
            ("a [MASK:-2] b", "not a whole number"),
            ("a [MASK:0] b", "length 0"),
        ] {
            let err = Template::parse(source).unwrap_err();
            assert!(
                matches!(err, SamplerError::MalformedTemplate { offset: 2, .. }),
                "{source}: {err}"
            );
            assert!(err.to_string().contains(needle), "{source}: {err}");
        }
    }

    #[test]
    fn template_without_span_is_an_error() {
        for source in ["", "plain text", "[MASKED]"] {
            let err = Template::parse(source).unwrap_err();
            assert!(
                matches!(err, SamplerError::NoMaskedSpan { .. }),
                "{source}: {err}"
            );
        }
    }
}
