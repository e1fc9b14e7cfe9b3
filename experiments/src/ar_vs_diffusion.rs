//! Autoregression against diffusion on one network (MDLM's protocol): a ModernBERT trained
//! from scratch as a causal LM, as a `linear` masked diffusion model and as BERT
//! (`fixed:0.15`), with the same corpus, tokenizer, sizes, steps and batch: equal training
//! tokens. They differ only in the attention mask and the objective. Measured: the masked
//! models' loss at every mask rate and their generations (with the real-text and
//! shuffled-words controls), held-out likelihood (AR NLL against the diffusion ELBO bound)
//! along training, and quality against seconds per sample at several diffusion step counts
//! beside AR decoding with its KV cache. Generation is one prompt at a time for every model.

use std::path::PathBuf;

use anyhow::Result;
use burn::tensor::backend::AutodiffBackend;
use serde::Serialize;
use unmask_eval::SpeedReport;
use unmask_report::{Cell, LineChart, Report, Table};

use crate::compare::{Controls, Generated, ModelResult, controls, measure_masked};
use crate::comparison_report::add_comparison;
use crate::context::Context;
use crate::measure::{self, CausalModel, MaskedModel, Samples};
use crate::models::{ModelSpec, TrainedModel};

#[derive(Debug, Clone, Serialize)]
pub struct ArRow {
    pub model: String,
    pub parameters: usize,
    /// Diffusion steps; `None` for the causal model (one call per token).
    pub steps: Option<usize>,
    pub generated: Generated,
    /// Mean seconds to continue one prompt.
    pub seconds_per_sample: f64,
}

/// Held-out NLL per token after `step` training steps: AR exact, diffusion its ELBO bound.
#[derive(Debug, Clone, Serialize)]
pub struct LikelihoodPoint {
    pub model: String,
    pub step: usize,
    pub training_tokens: usize,
    pub nll_per_token: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ArVsDiffusion {
    pub rows: Vec<ArRow>,
    pub likelihood: Vec<LikelihoodPoint>,
    pub masked: Vec<ModelResult>,
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

/// `(step, model directory)` of every snapshot a model kept, and its final model last.
fn snapshots(model: &TrainedModel) -> Result<Vec<(usize, PathBuf)>> {
    let mut out = Vec::new();
    if let Some(run_dir) = model.dir.parent() {
        let dir = run_dir.join("snapshots");
        if dir.is_dir() {
            for entry in std::fs::read_dir(&dir)? {
                let entry = entry?;
                let step = entry
                    .file_name()
                    .to_str()
                    .and_then(|n| n.strip_prefix("step-"))
                    .and_then(|n| n.parse::<usize>().ok());
                if let Some(step) = step {
                    out.push((step, entry.path()));
                }
            }
        }
    }
    out.sort();
    out.push((model.steps, model.dir.clone()));
    Ok(out)
}

/// The held-out likelihood of the causal model and the diffusion models at each snapshot.
fn likelihood_curve<B: AutodiffBackend>(
    ctx: &mut Context<B>,
    causal: &TrainedModel,
    diffusion: &[&TrainedModel],
) -> Result<Vec<LikelihoodPoint>> {
    let preset = ctx.preset.clone();
    let tokens_per_step = preset.train.batch_size * preset.data.block_len;
    let mut points = Vec::new();
    for (step, dir) in snapshots(causal)? {
        eprintln!("[ar-vs-diffusion] {} NLL at step {step}", causal.label);
        let mut model = CausalModel::<B::InnerBackend>::load(&dir, &ctx.device)?;
        points.push(LikelihoodPoint {
            model: causal.label.clone(),
            step,
            training_tokens: step * tokens_per_step,
            nll_per_token: measure::preset_causal_scores(&mut model, &ctx.held_out, &preset)?
                .nll_per_token,
        });
    }
    for model in diffusion {
        for (step, dir) in snapshots(model)? {
            eprintln!("[ar-vs-diffusion] {} bound at step {step}", model.label);
            let mut masked = MaskedModel::<B::InnerBackend>::load(&dir, &ctx.device)?;
            let scores = measure::preset_scores(&mut masked, &ctx.held_out, &preset)?;
            points.push(LikelihoodPoint {
                model: model.label.clone(),
                step,
                training_tokens: step * tokens_per_step,
                nll_per_token: scores.bound.nll_per_token,
            });
        }
    }
    Ok(points)
}

pub fn run<B: AutodiffBackend>(ctx: &mut Context<B>, report: &mut Report) -> Result<ArVsDiffusion> {
    let e = ctx.preset.eval.clone();
    let seed = ctx.preset.seed;
    // Equal training tokens: one ModernBERT of the preset's sizes and budget, three ways.
    let linear = ctx.trained(&ModelSpec::scratch(&ctx.preset, "linear"))?;
    let bert = ctx.trained(&ModelSpec::scratch(&ctx.preset, "fixed:0.15"))?;
    let causal_model = ctx.trained(&ModelSpec::causal(&ctx.preset))?;
    // A pretrained diffusion model (the preset's central one) joins the speed table when the
    // preset fine-tunes one; it was not trained on equal tokens.
    let central = ModelSpec::diffusion(&ctx.preset, "linear")?;
    let pretrained = if central.key != linear.key {
        Some(ctx.trained(&central)?)
    } else {
        None
    };

    let masked = vec![measure_masked(ctx, &linear)?, measure_masked(ctx, &bert)?];
    let likelihood = likelihood_curve(ctx, &causal_model, &[&linear, &bert])?;

    let prompts = ctx.prompts.clone();
    let mut rows = Vec::new();
    let causal = CausalModel::<B::InnerBackend>::load(&causal_model.dir, &ctx.device)?;
    eprintln!("[ar-vs-diffusion] {}", causal_model.label);
    let samples = one_at_a_time(&prompts, |p| {
        measure::causal_samples(&causal, p, e.gen_len, seed)
    })?;
    let generated = ctx.score(&causal.tokenizer, samples)?;
    rows.push(ArRow {
        model: causal_model.label.clone(),
        parameters: causal_model.parameters,
        steps: None,
        seconds_per_sample: generated.samples.speed.wall_seconds / prompts.len() as f64,
        generated,
    });
    let diffusion_rows = [(&linear, "diffusion"), (&bert, "diffusion")]
        .into_iter()
        .chain(pretrained.as_ref().map(|m| (m, "pretrained diffusion")));
    for (model, name) in diffusion_rows {
        let mut masked = MaskedModel::<B::InnerBackend>::load(&model.dir, &ctx.device)?;
        let gen_len = crate::compare::gen_len(&ctx.preset, model);
        for &steps in e.step_counts.iter().filter(|&&s| s <= gen_len) {
            eprintln!("[ar-vs-diffusion] {name} {}, {steps} steps", model.label);
            let samples = one_at_a_time(&prompts, |p| {
                measure::diffusion_samples(&mut masked, p, gen_len, e.policy, steps, seed)
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
    let speed_controls = ctx.controls(prompts.len(), mean_words.round() as usize)?;
    let masked_controls = controls(ctx, &masked)?;

    report.paragraph(&format!(
        "One ModernBERT (pre-LN, rotary positions, GeGLU; {} parameters as a masked LM) trained \
         from scratch three ways with the same corpus, tokenizer, sizes, {} steps and batch \
         (equal training tokens): as a causal LM (attention to the past, next-token loss), as \
         a masked diffusion model (`linear`) and as BERT (`fixed:0.15`). The causal model has \
         the same parameters: it differs only in the attention mask and the objective.",
        linear.parameters, linear.steps
    ));
    report.heading("Masked models: loss against mask rate and generation");
    add_comparison(report, &masked, &masked_controls, &e)?;
    add_likelihood(report, &likelihood, &causal_model.label)?;
    add_speed(
        report,
        &rows,
        &speed_controls,
        &causal_model.label,
        prompts.len(),
    )?;
    Ok(ArVsDiffusion {
        rows,
        likelihood,
        masked,
    })
}

fn add_likelihood(
    report: &mut Report,
    points: &[LikelihoodPoint],
    causal_label: &str,
) -> Result<()> {
    report.heading("Likelihood at equal training tokens");
    report.paragraph(
        "Held-out negative log-likelihood per token on the blocks the bound is measured on: \
         exact for the causal model (each block after a BOS token, every non-special token \
         given its prefix), the ELBO upper bound for the masked models (linear schedule, fixed \
         quadrature). Measured on the snapshots each model kept during training and on its \
         final weights, so the gap is read at equal training tokens all along.",
    );
    let mut table = Table::new(["model", "step", "training tokens", "NLL per token (nats)"])
        .significant_digits(4);
    for p in points {
        table.push_row([
            Cell::text(&p.model),
            p.step.into(),
            p.training_tokens.into(),
            p.nll_per_token.into(),
        ])?;
    }
    report.table_with_csv(&table, "likelihood.csv")?;
    let mut chart = LineChart::new("Held-out NLL per token against training tokens")
        .x_label("training tokens")
        .y_label("nats per token (AR: exact; diffusion: bound)")
        .markers(true);
    let mut labels: Vec<&str> = vec![causal_label];
    for p in points {
        if !labels.contains(&p.model.as_str()) {
            labels.push(&p.model);
        }
    }
    for label in labels {
        chart = chart.series(
            label,
            points
                .iter()
                .filter(|p| p.model == label)
                .map(|p| (p.training_tokens as f64, p.nll_per_token)),
        );
    }
    report.figure(
        "likelihood_vs_tokens.svg",
        "AR NLL and diffusion ELBO bound on held-out text during training",
        &chart,
    )?;
    Ok(())
}

fn add_speed(
    report: &mut Report,
    rows: &[ArRow],
    controls: &Controls,
    causal_label: &str,
    prompts: usize,
) -> Result<()> {
    report.heading("Quality against time per sample");
    report.paragraph(&format!(
        "Every model continues {prompts} held-out prompts, one prompt at a time, with top-k \
         {} / top-p {} at temperature 1 (the causal model with its KV cache; the masked models \
         with the preset's policy at each step count). Rows named \"pretrained diffusion\" \
         (when the preset fine-tunes a pretrained encoder) have their own tokenizer and were not \
         trained on equal tokens. Quality is measured by the evaluator, a causal LM trained \
         apart with its own seed and a longer budget, so no compared model is its own judge.",
        measure::TOP_K,
        measure::TOP_P,
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
    for r in rows {
        let g = &r.generated;
        table.push_row([
            Cell::text(&r.model),
            r.parameters.into(),
            r.steps.into(),
            (g.samples.speed.nfe as f64 / prompts as f64).into(),
            r.seconds_per_sample.into(),
            g.samples.speed.tokens_per_second.into(),
            g.gen_ppl.perplexity.into(),
            g.words.known_word_share.into(),
            g.words.stats.mean_unigram_entropy_bits.into(),
            g.words.stats.repeated_rate(4).into(),
        ])?;
    }
    for (label, g) in [
        (Controls::REAL, &controls.real),
        (Controls::SHUFFLED, &controls.shuffled),
    ] {
        let none = || Cell::text("-");
        table.push_row([
            Cell::text(label),
            none(),
            none(),
            none(),
            none(),
            none(),
            g.gen_ppl.perplexity.into(),
            g.words.known_word_share.into(),
            g.words.stats.mean_unigram_entropy_bits.into(),
            g.words.stats.repeated_rate(4).into(),
        ])?;
    }
    report.table_with_csv(&table, "ar_vs_diffusion.csv")?;
    let series = |value: &dyn Fn(&ArRow) -> f64| -> Vec<(String, Vec<(f64, f64)>)> {
        let mut labels: Vec<String> = Vec::new();
        for r in rows {
            let label = r.model.clone();
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
        labels
            .into_iter()
            .map(|label| {
                let points = rows
                    .iter()
                    .filter(|r| r.model == label)
                    .map(|r| (r.seconds_per_sample, value(r)))
                    .collect();
                (label, points)
            })
            .collect()
    };
    let span = rows
        .iter()
        .map(|r| r.seconds_per_sample)
        .fold(0.0f64, f64::max);
    for (file, caption, y_label, value, control) in [
        (
            "quality_vs_time.svg",
            "Generative perplexity against seconds per sample (diffusion: one point per step count)",
            "gen ppl (evaluator)",
            &(|r: &ArRow| r.generated.gen_ppl.perplexity) as &dyn Fn(&ArRow) -> f64,
            None,
        ),
        (
            "entropy_vs_time.svg",
            "Word entropy of the samples against seconds per sample; real text as a flat line",
            "word entropy per sample (bits)",
            &|r: &ArRow| r.generated.words.stats.mean_unigram_entropy_bits,
            Some(controls.real.words.stats.mean_unigram_entropy_bits),
        ),
    ] {
        let mut chart = LineChart::new(caption)
            .x_label("seconds per sample")
            .y_label(y_label)
            .markers(true);
        for (label, points) in series(value) {
            let label = if label == causal_label {
                format!("{label}, KV cache")
            } else {
                label
            };
            chart = chart.series(label, points);
        }
        if let Some(real) = control {
            chart = chart.series(Controls::REAL, [(0.0, real), (span, real)]);
        }
        report.figure(file, caption, &chart)?;
    }
    report.heading("Samples");
    for r in rows {
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
    Ok(())
}
