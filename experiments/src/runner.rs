//! Running experiments by name and writing each one's report directory.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Result, bail};
use burn::tensor::backend::AutodiffBackend;
use unmask_report::Report;
use unmask_runtime::device::BackendJob;

use crate::context::Context;
use crate::preset::Preset;

pub const EXPERIMENTS: [&str; 5] = [
    "bert-vs-diffusion",
    "pretrained-init",
    "schedules",
    "samplers",
    "ar-vs-diffusion",
];

/// Experiments to run on one preset; the models they share are trained once.
pub struct RunExperiments {
    pub names: Vec<String>,
    pub preset: Preset,
    pub out: PathBuf,
    /// How the run was asked for, quoted in each report.
    pub command: String,
    pub device_label: String,
}

impl RunExperiments {
    /// `all` (the preset's `experiments`) or one name; errors on an unknown name.
    pub fn names(name: &str, preset: &Preset) -> Result<Vec<String>> {
        if name == "all" {
            return Ok(preset.experiments.clone());
        }
        if !EXPERIMENTS.contains(&name) {
            bail!(
                "unknown experiment `{name}`; choose one of: all, {}",
                EXPERIMENTS.join(", ")
            );
        }
        Ok(vec![name.to_string()])
    }
}

impl BackendJob for RunExperiments {
    type Output = Vec<PathBuf>;

    fn run<B: AutodiffBackend>(self, device: B::Device) -> Result<Self::Output> {
        let mut ctx = Context::<B>::new(self.preset.clone(), &self.out, device)?;
        let mut written = Vec::new();
        for name in &self.names {
            let started = Instant::now();
            let mut report = Report::new(format!("{name} ({} preset)", self.preset.name));
            report.heading("How to regenerate");
            report.code_block("bash", &self.command);
            let results = match name.as_str() {
                "bert-vs-diffusion" => {
                    serde_json::to_value(crate::bert_vs_diffusion::run(&mut ctx, &mut report)?)?
                }
                "pretrained-init" => {
                    serde_json::to_value(crate::pretrained_init::run(&mut ctx, &mut report)?)?
                }
                "schedules" => serde_json::to_value(crate::schedules::run(&mut ctx, &mut report)?)?,
                "samplers" => serde_json::to_value(crate::samplers::run(&mut ctx, &mut report)?)?,
                "ar-vs-diffusion" => {
                    serde_json::to_value(crate::ar_vs_diffusion::run(&mut ctx, &mut report)?)?
                }
                other => bail!("unknown experiment `{other}`"),
            };
            report.heading("Setup");
            let evaluator = ctx.evaluator_info().map_or_else(
                || "none".to_string(),
                |m| format!("{} ({} steps, {})", m.label, m.steps, m.dir.display()),
            );
            report.paragraph(&format!(
                "Device: {}. Corpus `{}` ({} split held out: {} prompts of {} words). Evaluator: \
                 {evaluator}. This report took {:.1} minutes (training reused across \
                 experiments of the same preset is not counted again).",
                self.device_label,
                self.preset.corpus,
                ctx.held_out.split,
                ctx.prompts.len(),
                self.preset.eval.prompt_words,
                started.elapsed().as_secs_f64() / 60.0
            ));
            report.code_block("toml", &toml::to_string_pretty(&self.preset)?);
            report.json(
                "results.json",
                &serde_json::json!({
                    "experiment": name,
                    "preset": self.preset,
                    "results": results,
                }),
            )?;
            let dir = ctx.report_dir(name);
            report.write(&dir)?;
            eprintln!("wrote {}", dir.join("report.md").display());
            written.push(dir);
        }
        Ok(written)
    }
}
