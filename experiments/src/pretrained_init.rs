//! What pretraining buys: the BERT-vs-diffusion comparison starting from a pretrained
//! encoder (all-MiniLM-L6-v2 by default) against from scratch.

use anyhow::Result;
use burn::tensor::backend::AutodiffBackend;
use unmask_report::Report;

use crate::compare::{ModelResult, measure_masked};
use crate::comparison_report::add_comparison;
use crate::context::Context;
use crate::models::ModelSpec;

pub const SCHEDULES: [&str; 2] = ["fixed:0.15", "linear"];

pub fn run<B: AutodiffBackend>(
    ctx: &mut Context<B>,
    report: &mut Report,
) -> Result<Vec<ModelResult>> {
    let pretrained = ctx.preset.pretrained_dir()?;
    let mut results = Vec::new();
    for schedule in SCHEDULES {
        let scratch = ctx.trained(&ModelSpec::scratch(&ctx.preset, schedule))?;
        results.push(measure_masked(ctx, &scratch)?);
        let spec = ModelSpec::pretrained(&ctx.preset, pretrained.clone(), schedule);
        let tuned = ctx.trained(&spec)?;
        results.push(measure_masked(ctx, &tuned)?);
    }
    report.paragraph(&format!(
        "From scratch (the preset's model, byte-level BPE trained on the corpus) against \
         fine-tuning the pretrained encoder in `{}` (its own WordPiece vocabulary; encoder-only \
         checkpoints get a fresh MLM head), each with fixed 15% masking and the linear \
         diffusion schedule, for the same number of steps and batch size. The tokenizers \
         differ, so compare the per-word bound and the generative perplexity (samples are \
         re-tokenized for the evaluator), not per-token numbers.",
        pretrained.display()
    ));
    add_comparison(report, &results)?;
    Ok(results)
}
