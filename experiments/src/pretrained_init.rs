//! What pretraining buys: the BERT-vs-diffusion comparison starting from a pretrained
//! encoder (all-MiniLM-L6-v2 by default) against from scratch.

use anyhow::Result;
use burn::tensor::backend::AutodiffBackend;
use unmask_report::Report;

use crate::compare::{ModelResult, controls, measure_masked};
use crate::comparison_report::add_comparison;
use crate::context::Context;
use crate::models::ModelSpec;

pub const SCHEDULES: [&str; 2] = ["fixed:0.15", "linear"];

pub fn run<B: AutodiffBackend>(
    ctx: &mut Context<B>,
    report: &mut Report,
) -> Result<Vec<ModelResult>> {
    let pretrained = ctx.preset.pretrained_dir()?;
    let mut specs = Vec::new();
    for schedule in SCHEDULES {
        specs.push(ModelSpec::scratch(&ctx.preset, schedule));
        specs.push(ModelSpec::pretrained(
            &ctx.preset,
            pretrained.clone(),
            schedule,
        ));
    }
    if ctx.preset.train.curriculum_steps > 0 {
        let base = ModelSpec::scratch(&ctx.preset, "fixed:0.15");
        specs.push(ModelSpec::continued(
            base,
            "linear",
            ctx.preset.train.curriculum_steps,
        ));
    }
    let steps = ctx.preset.pretrained_budget().curriculum_steps;
    if steps > 0 {
        let base = ModelSpec::pretrained(&ctx.preset, pretrained.clone(), "fixed:0.15");
        specs.push(ModelSpec::continued(base, "linear", steps));
    }
    let mut results = Vec::new();
    for spec in &specs {
        let model = ctx.trained(spec)?;
        results.push(measure_masked(ctx, &model)?);
    }
    let controls = controls(ctx, &results)?;
    report.paragraph(&format!(
        "From scratch (the preset's model, byte-level BPE trained on the corpus) against \
         fine-tuning the pretrained encoder in `{}` (its own WordPiece vocabulary; encoder-only \
         checkpoints get a fresh MLM head, its decoder bias set to the corpus's log-unigram), \
         each with fixed 15% masking, the linear diffusion schedule, and 15% then linear \
         (the seed's path). The pretrained encoder has its own budget (`[pretrained]` of the \
         preset: it costs several times more per token). The tokenizers \
         differ, so compare the per-word bound and the generative perplexity (samples are \
         re-tokenized for the evaluator), not per-token numbers.",
        pretrained.display()
    ));
    add_comparison(report, &results, &controls, &ctx.preset.eval)?;
    Ok(results)
}
