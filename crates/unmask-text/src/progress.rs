//! Progress bars on stderr, shown only to a person watching a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Whether long operations draw a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Progress {
    /// A bar on stderr when stderr is a terminal, nothing otherwise.
    #[default]
    Auto,
    /// Never draw (tests, scripts).
    Hidden,
}

impl Progress {
    pub(crate) fn bar(self, len: u64, message: &str) -> ProgressBar {
        let visible = self == Progress::Auto && std::io::stderr().is_terminal();
        let target = if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(len), target);
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({eta})",
        ) {
            bar.set_style(style);
        }
        bar.set_message(message.to_owned());
        bar
    }
}
