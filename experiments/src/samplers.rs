//! Quality and speed against steps (NFE) for each sampling policy on one trained model
//! (the linear-schedule diffusion model of the preset).

use anyhow::Result;
use burn::tensor::backend::AutodiffBackend;
use serde::Serialize;
use unmask_report::{Cell, LineChart, Report, Table};
use unmask_runtime::animation::diffusion_animation;
use unmask_sampler::{CacheMode, PolicyKind};

use crate::compare::Generated;
use crate::context::Context;
use crate::denoising_figures::{DenoisingFigure, add_denoising_figures};
use crate::measure::{self, MaskedModel};
use crate::models::ModelSpec;
use crate::samplers_cache;

#[derive(Debug, Clone, Serialize)]
pub struct SamplerResult {
    pub policy: PolicyKind,
    pub steps: usize,
    /// Semi-autoregressive blocks (the block cache rows); None: one block.
    pub block_len: Option<usize>,
    /// The block cache (`samplers_cache.rs`); None: every step runs the whole canvas.
    pub cache: Option<CacheMode>,
    pub generated: Generated,
}

pub fn run<B: AutodiffBackend>(
    ctx: &mut Context<B>,
    report: &mut Report,
) -> Result<Vec<SamplerResult>> {
    let model = ctx.trained(&ModelSpec::diffusion(&ctx.preset, "linear")?)?;
    let mut masked = MaskedModel::<B::InnerBackend>::load(&model.dir, &ctx.device)?;
    let e = ctx.preset.eval.clone();
    let mut results = Vec::new();
    // Per policy: its steps, the prompt and the animation of its first sample.
    let mut animations = Vec::new();
    let gen_len = crate::compare::gen_len(&ctx.preset, &model);
    for &policy in &e.policies {
        for &steps in e.step_counts.iter().filter(|&&s| s <= gen_len) {
            eprintln!("[samplers] {policy}, {steps} steps");
            let samples = measure::diffusion_samples(
                &mut masked,
                &ctx.prompts,
                gen_len,
                policy,
                steps,
                ctx.preset.seed,
            )?;
            let generated = ctx.score(&masked.tokenizer, samples)?;
            results.push(SamplerResult {
                policy,
                steps,
                block_len: None,
                cache: None,
                generated,
            });
        }
        let steps = e.steps.min(gen_len);
        let prompt = ctx.prompts.first().cloned().unwrap_or_default();
        let title = format!("{} · {policy} · {steps} steps", model.label);
        let svg = diffusion_animation(
            &mut masked,
            &prompt,
            gen_len,
            policy,
            steps,
            ctx.preset.seed,
            &title,
        )?;
        animations.push((policy, steps, prompt, svg));
    }
    let cache_steps = e.steps.min(gen_len);
    let cache_rows =
        samplers_cache::block_cache_rows(ctx, &mut masked, gen_len, &e.policies, cache_steps)?;
    report.paragraph(&format!(
        "One model ({}, {} steps of training), {} prompts, {} generated tokens each, top-k {} \
         and top-p {}. NFE = model calls for the whole batch of prompts.",
        model.label,
        model.steps,
        ctx.prompts.len(),
        gen_len,
        measure::TOP_K,
        measure::TOP_P
    ));
    let mut table = Table::new([
        "policy",
        "steps",
        "NFE",
        "wall s",
        "tokens/s",
        "gen ppl",
        "known words",
        "word entropy bits",
        "word rep-4",
    ])
    .significant_digits(4);
    for r in &results {
        let g = &r.generated;
        table.push_row([
            Cell::text(r.policy.name()),
            r.steps.into(),
            g.samples.speed.nfe.into(),
            g.samples.speed.wall_seconds.into(),
            g.samples.speed.tokens_per_second.into(),
            g.gen_ppl.perplexity.into(),
            g.words.known_word_share.into(),
            g.words.stats.mean_unigram_entropy_bits.into(),
            g.words.stats.repeated_rate(4).into(),
        ])?;
    }
    report.heading("Results");
    report.table_with_csv(&table, "samplers.csv")?;
    let chart = |title: &str, y: &str, value: &dyn Fn(&Generated) -> Option<f64>| {
        let mut chart = LineChart::new(title)
            .x_label("NFE (model calls)")
            .y_label(y)
            .log_x(true)
            .markers(true);
        for &policy in &e.policies {
            chart = chart.series(
                policy.name(),
                results
                    .iter()
                    .filter(|r| r.policy == policy)
                    .filter_map(|r| {
                        value(&r.generated).map(|v| (r.generated.samples.speed.nfe as f64, v))
                    }),
            );
        }
        chart
    };
    report.figure(
        "gen_ppl_vs_nfe.svg",
        "Generative perplexity against model calls",
        &chart(
            "Generative perplexity vs NFE",
            "gen ppl (evaluator)",
            &|g| Some(g.gen_ppl.perplexity),
        ),
    )?;
    report.figure(
        "entropy_vs_nfe.svg",
        "Word entropy of the samples against model calls",
        &chart(
            "Sample entropy vs NFE",
            "mean word entropy per sample (bits)",
            &|g| Some(g.words.stats.mean_unigram_entropy_bits),
        ),
    )?;
    report.figure(
        "speed_vs_nfe.svg",
        "Tokens per second against model calls",
        &chart("Speed vs NFE", "generated tokens per second", &|g| {
            g.samples.speed.tokens_per_second
        }),
    )?;
    report.heading("Samples");
    for r in &results {
        if let (Some(prompt), Some(text)) = (
            r.generated.samples.prompts.first(),
            r.generated.samples.texts.first(),
        ) {
            report.sample(
                &format!("{}: {prompt}", &format!("{} / {} steps", r.policy, r.steps)),
                text,
            );
        }
    }
    let figures: Vec<DenoisingFigure<'_>> = animations
        .iter()
        .map(|(policy, steps, prompt, svg)| DenoisingFigure {
            label: policy.name(),
            key: policy.name(),
            svg,
            run: format!("{} steps after the prompt {prompt:?}", steps),
        })
        .collect();
    add_denoising_figures(report, &figures)?;
    samplers_cache::block_cache_table(report, &cache_rows)?;
    results.extend(cache_rows);
    Ok(results)
}
