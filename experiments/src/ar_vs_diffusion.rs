//! GPT-2 trained from scratch at the same sizes and budget against the diffusion model:
//! quality under an evaluator neither was trained as, and the time to continue a prompt,
//! at several diffusion step counts. Generation is one prompt at a time for both.

use anyhow::Result;
use burn::tensor::backend::AutodiffBackend;
use serde::Serialize;
use unmask_eval::SpeedReport;
use unmask_report::{Cell, LineChart, Report, Table};

use crate::compare::Generated;
use crate::context::Context;
use crate::measure::{self, CausalModel, MaskedModel, Samples};
use crate::models::ModelSpec;

#[derive(Debug, Clone, Serialize)]
pub struct ArRow {
    pub model: String,
    pub parameters: usize,
    /// Diffusion steps; `None` for GPT-2 (one call per token).
    pub steps: Option<usize>,
    pub generated: Generated,
    /// Mean seconds to continue one prompt.
    pub seconds_per_sample: f64,
}

/// Runs `generate` on each prompt alone and pools the samples and timings.
fn one_at_a_time(
    prompts: &[String],
    mut generate: impl FnMut(&[String]) -> Result<Samples>,
) -> Result<Samples> {
    let mut pooled = Samples {
        prompts: Vec::new(),
        tokens: Vec::new(),
        texts: Vec::new(),
        speed: SpeedReport::from_duration(0, 0, std::time::Duration::ZERO),
    };
    let mut wall = 0.0;
    for prompt in prompts {
        let s = generate(std::slice::from_ref(prompt))?;
        pooled.prompts.extend(s.prompts);
        pooled.tokens.extend(s.tokens);
        pooled.texts.extend(s.texts);
        pooled.speed.nfe += s.speed.nfe;
        wall += s.speed.wall_seconds;
    }
    let tokens = pooled.tokens.iter().map(Vec::len).sum();
    pooled.speed = SpeedReport::from_duration(
        pooled.speed.nfe,
        tokens,
        std::time::Duration::from_secs_f64(wall),
    );
    Ok(pooled)
}

pub fn run<B: AutodiffBackend>(ctx: &mut Context<B>, report: &mut Report) -> Result<Vec<ArRow>> {
    let e = ctx.preset.eval.clone();
    let seed = ctx.preset.seed;
    // Equal training tokens: GPT-2 against the from-scratch diffusion model of the same
    // sizes, tokenizer and budget; a pretrained diffusion model (the preset's central one)
    // joins as extra rows when the preset fine-tunes one.
    let diffusion = ctx.trained(&ModelSpec::scratch(&ctx.preset, "linear"))?;
    let central = ModelSpec::diffusion(&ctx.preset, "linear")?;
    let pretrained = if central.key != diffusion.key {
        Some(ctx.trained(&central)?)
    } else {
        None
    };
    let gpt2 = ctx.trained(&ModelSpec::gpt2(&ctx.preset))?;
    let prompts = ctx.prompts.clone();
    let mut rows = Vec::new();

    let causal = CausalModel::<B::InnerBackend>::load(&gpt2.dir, &ctx.device)?;
    eprintln!("[ar-vs-diffusion] GPT-2");
    let samples = one_at_a_time(&prompts, |p| causal.samples(p, e.gen_len, seed))?;
    let generated = ctx.score(&causal.tokenizer, samples)?;
    rows.push(ArRow {
        model: gpt2.label.clone(),
        parameters: gpt2.parameters,
        steps: None,
        seconds_per_sample: generated.samples.speed.wall_seconds / prompts.len() as f64,
        generated,
    });

    for (model, name) in std::iter::once((&diffusion, "diffusion"))
        .chain(pretrained.as_ref().map(|m| (m, "pretrained diffusion")))
    {
        let mut masked = MaskedModel::<B::InnerBackend>::load(&model.dir, &ctx.device)?;
        let gen_len = crate::compare::gen_len(&ctx.preset, model);
        for &steps in e.step_counts.iter().filter(|&&s| s <= gen_len) {
            eprintln!("[ar-vs-diffusion] {name}, {steps} steps");
            let samples = one_at_a_time(&prompts, |p| {
                measure::diffusion_samples(&mut masked, p, gen_len, &e.policy, steps, seed)
            })?;
            let generated = ctx.score(&masked.tokenizer, samples)?;
            rows.push(ArRow {
                model: format!("{name} ({}, {})", model.label, e.policy),
                parameters: model.parameters,
                steps: Some(steps),
                seconds_per_sample: generated.samples.speed.wall_seconds / prompts.len() as f64,
                generated,
            });
        }
    }

    let words: Vec<f64> = rows.iter().map(|r| r.generated.words.mean_words).collect();
    let mean_words = words.iter().sum::<f64>() / words.len().max(1) as f64;
    let reference = ctx.reference(prompts.len(), mean_words.round() as usize)?;
    report.paragraph(&format!(
        "GPT-2 and the diffusion model ({} schedule) share the corpus, tokenizer, layer sizes, \
         steps and batch size: equal training tokens. GPT-2 has no MLM head transform, hence \
         slightly fewer parameters. Both continue {} held-out prompts by {} tokens with top-k \
         {} / top-p {}, one prompt at a time (GPT-2 with a KV cache); the diffusion model \
         samples with the `{}` policy, which like GPT-2 draws every token from the model's \
         distribution at temperature 1. Rows named \"pretrained diffusion\" (when the preset \
         fine-tunes a pretrained encoder) show the speed and quality of that model with its \
         own tokenizer; it was not trained on equal tokens. Quality is measured by the \
         evaluator GPT-2, trained apart with its own seed and a longer budget, so neither \
         compared model is its own judge.",
        diffusion.label,
        prompts.len(),
        e.gen_len,
        measure::TOP_K,
        measure::TOP_P,
        e.policy
    ));
    let mut table = Table::new([
        "model",
        "params",
        "diffusion steps",
        "NFE per sample",
        "s per sample",
        "tokens/s",
        "gen ppl",
        "known words",
        "word entropy bits",
        "word rep-4",
    ])
    .significant_digits(4);
    for r in &rows {
        let g = &r.generated;
        table.push_row([
            Cell::text(&r.model),
            r.parameters.into(),
            r.steps.into(),
            (g.samples.speed.nfe as f64 / prompts.len() as f64).into(),
            r.seconds_per_sample.into(),
            g.samples.speed.tokens_per_second.into(),
            g.gen_ppl.perplexity.into(),
            g.words.known_word_share.into(),
            g.words.stats.mean_unigram_entropy_bits.into(),
            g.words.stats.repeated_rate(4).into(),
        ])?;
    }
    let none = Cell::text("-");
    table.push_row([
        Cell::text("real held-out text"),
        none.clone(),
        none.clone(),
        none.clone(),
        none.clone(),
        none,
        reference.gen_ppl.perplexity.into(),
        reference.words.known_word_share.into(),
        reference.words.stats.mean_unigram_entropy_bits.into(),
        reference.words.stats.repeated_rate(4).into(),
    ])?;
    report.heading("Results");
    report.table_with_csv(&table, "ar_vs_diffusion.csv")?;
    // Seconds per sample against quality, for the diffusion rows or the GPT-2 row.
    let points = |prefix: &str, value: &dyn Fn(&ArRow) -> f64| -> Vec<(f64, f64)> {
        rows.iter()
            .filter(|r| r.model.starts_with(prefix))
            .map(|r| (r.seconds_per_sample, value(r)))
            .collect()
    };
    let ppl = |r: &ArRow| r.generated.gen_ppl.perplexity;
    report.figure(
        "quality_vs_time.svg",
        "Generative perplexity against seconds per sample (diffusion: one point per step count)",
        &LineChart::new("Quality vs time per sample")
            .x_label("seconds per sample")
            .y_label("gen ppl (evaluator GPT-2)")
            .markers(true)
            .series("diffusion", points("diffusion", &ppl))
            .series("pretrained diffusion", points("pretrained", &ppl))
            .series("GPT-2", points(&gpt2.label, &ppl)),
    )?;
    let entropy = |r: &ArRow| r.generated.words.stats.mean_unigram_entropy_bits;
    let real = reference.words.stats.mean_unigram_entropy_bits;
    let span = rows
        .iter()
        .map(|r| r.seconds_per_sample)
        .fold(0.0f64, f64::max);
    report.figure(
        "entropy_vs_time.svg",
        "Word entropy of the samples against seconds per sample; real text as a flat line",
        &LineChart::new("Diversity vs time per sample")
            .x_label("seconds per sample")
            .y_label("word entropy per sample (bits)")
            .markers(true)
            .series("diffusion", points("diffusion", &entropy))
            .series("pretrained diffusion", points("pretrained", &entropy))
            .series("GPT-2", points(&gpt2.label, &entropy))
            .series("real text", [(0.0, real), (span, real)]),
    )?;
    report.heading("Samples");
    for r in &rows {
        let label = match r.steps {
            Some(s) => format!("{} / {s} steps", r.model),
            None => r.model.clone(),
        };
        if let (Some(prompt), Some(text)) = (
            r.generated.samples.prompts.first(),
            r.generated.samples.texts.first(),
        ) {
            report.sample(&format!("{}: {prompt}", &label), text);
        }
    }
    Ok(rows)
}
