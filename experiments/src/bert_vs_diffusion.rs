//! BERT is one step of text diffusion: the same network and budget trained with BERT's
//! fixed 15% masking and with diffusion schedules (the preset's `eval.central`: linear, and
//! the seed's ten levels in the full preset), and the seed's path, 15% first and then linear.

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
    let mut specs = Vec::new();
    for schedule in ctx.preset.eval.central.clone() {
        specs.push(ModelSpec::diffusion(&ctx.preset, &schedule)?);
    }
    specs.extend(ModelSpec::curriculum(&ctx.preset)?);
    let mut results = Vec::new();
    for spec in &specs {
        let model = ctx.trained(spec)?;
        results.push(measure_masked(ctx, &model)?);
    }
    let controls = controls(ctx, &results)?;
    report.paragraph(
        "The same model, data, tokenizer and budget, trained with BERT/RoBERTa's fixed 15% \
         mask rate and with diffusion schedules (linear: mask rate t ~ U(0, 1); `levels:10`: \
         the seed's rates {0.1, ..., 1.0}), and the seed's own path: the 15% model's final \
         weights trained on with the linear schedule (more training tokens in total; its row \
         says how many steps). Expected: the 15% model is best at low mask rates and worst at \
         high ones, and fails to generate from a fully masked canvas; the diffusion-trained \
         models generate.",
    );
    add_comparison(report, &results, &controls, &ctx.preset.eval)?;
    Ok(results)
}
