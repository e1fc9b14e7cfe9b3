//! BERT is one step of text diffusion: the same network and budget trained with BERT's
//! fixed 15% masking, the seed's ten discrete levels, and the linear diffusion schedule.

use anyhow::Result;
use burn::tensor::backend::AutodiffBackend;
use unmask_report::Report;

use crate::compare::{ModelResult, measure_masked};
use crate::comparison_report::add_comparison;
use crate::context::Context;
use crate::models::ModelSpec;

pub const SCHEDULES: [&str; 3] = ["fixed:0.15", "levels:10", "linear"];

pub fn run<B: AutodiffBackend>(
    ctx: &mut Context<B>,
    report: &mut Report,
) -> Result<Vec<ModelResult>> {
    let mut results = Vec::new();
    for schedule in SCHEDULES {
        let model = ctx.trained(&ModelSpec::diffusion(&ctx.preset, schedule)?)?;
        results.push(measure_masked(ctx, &model)?);
    }
    report.paragraph(
        "The same model, data, tokenizer and budget, trained with BERT/RoBERTa's fixed 15% \
         mask rate, the seed's mask rates drawn from {0.1, ..., 1.0}, and the linear diffusion \
         schedule (mask rate t ~ U(0, 1)). Expected shape: the 15% model is best at low mask \
         rates and fails to generate from a fully masked canvas; the diffusion-trained \
         models generate.",
    );
    add_comparison(report, &results)?;
    Ok(results)
}
