//! Every schedule of the preset's list at equal budget.

use anyhow::Result;
use burn::tensor::backend::AutodiffBackend;
use unmask_report::Report;

use crate::compare::{ModelResult, controls, measure_masked};
use crate::comparison_report::add_comparison;
use crate::context::Context;
use crate::models::ModelSpec;

pub fn run<B: AutodiffBackend>(
    ctx: &mut Context<B>,
    report: &mut Report,
) -> Result<Vec<ModelResult>> {
    let schedules = ctx.preset.eval.schedules.clone();
    let mut results = Vec::new();
    for schedule in &schedules {
        let model = ctx.trained(&ModelSpec::diffusion(&ctx.preset, schedule)?)?;
        results.push(measure_masked(ctx, &model)?);
    }
    let controls = controls(ctx, &results)?;
    report.paragraph(&format!(
        "Schedules compared at equal budget (same model, data, tokenizer, steps): {}. \
         Every model is measured under the same linear-schedule bound.",
        schedules.join(", ")
    ));
    add_comparison(report, &results, &controls, &ctx.preset.eval)?;
    Ok(results)
}
