/// An error and its causes on one line, as a front end prints it, each said once: a cause
/// whose text is already in the line (a wrapper that prints its source in its own message)
/// is not repeated.
pub fn error_message(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read {path}: {source}")]
    struct Wrapper {
        path: &'static str,
        source: std::io::Error,
    }

    #[test]
    fn a_source_already_in_its_parents_message_is_said_once() {
        let inner = std::io::Error::other("permission denied");
        let error = anyhow::Error::new(Wrapper {
            path: "a.txt",
            source: inner,
        })
        .context("loading the corpus");
        assert_eq!(format!("{error:#}").matches("permission denied").count(), 2);
        assert_eq!(
            error_message(&error),
            "loading the corpus: cannot read a.txt: permission denied"
        );
    }

    #[test]
    fn causes_not_in_the_message_are_kept() {
        let error = anyhow::anyhow!("disk full").context("writing the checkpoint");
        assert_eq!(error_message(&error), "writing the checkpoint: disk full");
    }
}
