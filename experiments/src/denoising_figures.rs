//! The denoising animations of the reports: each compared model's canvas, step by step
//! (`unmask_runtime::animation`), embedded as an animated SVG figure.

use anyhow::Result;
use unmask_report::Report;

use crate::compare::ModelResult;

/// One denoising animation of a report.
pub struct DenoisingFigure<'a> {
    /// What is animated: a model, or a model and a sampler.
    pub label: &'a str,
    /// Tells the figure's file apart from the others of the report.
    pub key: &'a str,
    pub svg: &'a str,
    /// The run, in words: policy, steps, prompt.
    pub run: String,
}

/// Legend of every denoising animation, for the captions.
pub const LEGEND: &str = "grey ░ masked, green new this step, orange ░ re-masked, \
    black kept, blue prompt; the last frame stays";

/// A heading, a sentence, and one animated figure per entry of `figures`.
pub fn add_denoising_figures(report: &mut Report, figures: &[DenoisingFigure<'_>]) -> Result<()> {
    report.heading("Denoising, step by step");
    report.paragraph(
        "Each figure is an animated SVG of one canvas being denoised, one frame per step \
         (open it in a browser if it does not move), generated alone with the samples' seed \
         and settings.",
    );
    for figure in figures {
        report.figure(
            &format!("denoising-{}.svg", file_key(figure.key)),
            &format!("{}: {} ({LEGEND})", figure.label, figure.run),
            figure.svg,
        )?;
    }
    Ok(())
}

/// The seed-loop animation of each compared masked LM.
pub fn seed_loop_figures(results: &[ModelResult]) -> Vec<DenoisingFigure<'_>> {
    results
        .iter()
        .map(|r| DenoisingFigure {
            label: &r.model.label,
            key: &r.model.key,
            svg: &r.seed_loop_animation,
            run: format!(
                "the seed's loop, {} steps, from a fully masked canvas",
                r.seed_loop_steps
            ),
        })
        .collect()
}

/// `key` with every character a report file name cannot hold replaced by `-`.
fn file_key(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_file_names() {
        assert_eq!(
            file_key("pretrained-fixed:0.15/seed 2"),
            "pretrained-fixed-0.15-seed-2"
        );
    }
}
