//! The progress bar of a long `unmask eval` (indicatif, on stderr; nothing when stderr is not
//! a terminal or the user asked for none).

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    shown: bool,
}

impl Progress {
    pub fn new(shown: bool) -> Self {
        Self { shown }
    }

    /// A bar of `len` units named `unit`.
    pub fn bar(&self, len: usize, unit: &str) -> ProgressBar {
        if !self.shown {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(len as u64);
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{bar:30}} {{pos}}/{{len}} {unit}  [{{elapsed_precise}} < {{eta_precise}}]"
            ))
            .expect("a valid template"),
        );
        bar
    }

    /// A spinner with `message`, for a stage without countable steps.
    pub fn spinner(&self, message: String) -> ProgressBar {
        if !self.shown {
            return ProgressBar::hidden();
        }
        let spinner = ProgressBar::new_spinner().with_message(message);
        spinner.enable_steady_tick(std::time::Duration::from_millis(200));
        spinner
    }
}
