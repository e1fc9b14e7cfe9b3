/// Characters that can start Markdown (CommonMark + GitHub) inline syntax anywhere in a line:
/// emphasis, code, links, HTML, entities, tables, strikethrough, math.
const INLINE_SPECIAL: &[char] = &['\\', '`', '*', '_', '[', ']', '<', '>', '|', '~', '&', '$'];

/// Escapes text so Markdown renders it literally inside a line (a table cell, a heading, a
/// caption). Newlines become spaces: the result is always one line.
pub fn escape_markdown(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => escaped.push(' '),
            '\r' => {}
            c if INLINE_SPECIAL.contains(&c) => {
                escaped.push('\\');
                escaped.push(c);
            }
            c => escaped.push(c),
        }
    }
    escaped
}

/// Escapes one line of free text so that Markdown neither formats it nor reads it as a
/// block (heading, list item, quote, rule, indented code).
pub fn escape_markdown_line(line: &str) -> String {
    let body = line.trim_start_matches([' ', '\t']);
    // Leading blanks would make an indented code block; keep them visible as entities.
    let mut escaped: String = line[..line.len() - body.len()]
        .chars()
        .map(|c| if c == '\t' { "&#9;" } else { "&#32;" })
        .collect();
    let digits = body.chars().take_while(char::is_ascii_digit).count();
    let after_digits = body[digits..].chars().next();
    let starts_block = match body.chars().next() {
        Some('#' | '>' | '-' | '+' | '=' | '*' | '_') => Some(0),
        Some(c) if c.is_ascii_digit() && matches!(after_digits, Some('.' | ')')) => Some(digits),
        _ => None,
    };
    match starts_block {
        Some(at) => {
            escaped.push_str(&body[..at]);
            let rest = &body[at..];
            let marker = rest.chars().next().expect("a block marker was found");
            if !INLINE_SPECIAL.contains(&marker) {
                escaped.push('\\');
                escaped.push(marker);
                escaped.push_str(&escape_markdown(&rest[marker.len_utf8()..]));
            } else {
                escaped.push_str(&escape_markdown(rest));
            }
        }
        None => escaped.push_str(&escape_markdown(body)),
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_inline_syntax() {
        assert_eq!(escape_markdown("a|b"), r"a\|b");
        assert_eq!(escape_markdown(r"a\|b"), r"a\\\|b");
        assert_eq!(escape_markdown("<mask> *x* `y`"), r"\<mask\> \*x\* \`y\`");
        assert_eq!(
            escape_markdown("[l](u) &amp; $x$"),
            r"\[l\](u) \&amp; \$x\$"
        );
        assert_eq!(escape_markdown("two\nlines"), "two lines");
    }

    #[test]
    fn escapes_line_start_blocks() {
        assert_eq!(escape_markdown_line("# not a heading"), r"\# not a heading");
        assert_eq!(escape_markdown_line("- item"), r"\- item");
        assert_eq!(escape_markdown_line("---"), r"\---");
        assert_eq!(escape_markdown_line("12. item"), r"12\. item");
        assert_eq!(escape_markdown_line("3) item"), r"3\) item");
        assert_eq!(escape_markdown_line("> quote"), r"\> quote");
        assert_eq!(escape_markdown_line("* bullet"), r"\* bullet");
        assert_eq!(escape_markdown_line("    code"), "&#32;&#32;&#32;&#32;code");
        assert_eq!(escape_markdown_line("1999 was a year"), "1999 was a year");
        assert_eq!(escape_markdown_line("plain"), "plain");
    }
}
