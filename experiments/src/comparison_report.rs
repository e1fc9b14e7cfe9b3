//! The report of a comparison of masked LMs: one table, the loss-vs-mask-rate figure, the
//! validation curves, and samples.

use anyhow::Result;
use unmask_report::{Cell, LineChart, Report, Table};

use crate::compare::{Controls, Generated, ModelResult};
use crate::denoising_figures::{add_denoising_figures, seed_loop_figures};
use crate::preset::EvalSection;

/// Samples quoted per model and setting.
const QUOTED: usize = 3;

pub fn summary_table(results: &[ModelResult]) -> Result<Table> {
    let mut table = Table::new([
        "model",
        "params",
        "train s",
        "train tok/s",
        "final val loss",
        "bound nll/token",
        "bound ppl",
        "bound nll/word",
    ])
    .significant_digits(4);
    for r in results {
        let m = &r.model;
        table.push_row([
            Cell::text(&m.label),
            m.parameters.into(),
            m.train_seconds.into(),
            m.tokens_per_s.into(),
            m.validation.last().map(|v| v.1).into(),
            r.scores.bound.nll_per_token.into(),
            r.scores.bound.perplexity.into(),
            r.scores.nll_per_word.into(),
        ])?;
    }
    Ok(table)
}

/// One row per model and setting (no prompt, prompted), and real held-out text last.
pub fn generation_table(
    results: &[ModelResult],
    controls: &Controls,
    sampler: &str,
) -> Result<Table> {
    let mut table = Table::new([
        "text",
        "prompt",
        "sampler",
        "words",
        "known words",
        "word entropy bits",
        "word rep-4",
        "gen ppl",
    ])
    .significant_digits(4);
    let row = |table: &mut Table, label: &str, setting: &str, sampler: &str, g: &Generated| {
        table
            .push_row([
                Cell::text(label),
                Cell::text(setting),
                Cell::text(sampler),
                g.words.mean_words.into(),
                g.words.known_word_share.into(),
                g.words.stats.mean_unigram_entropy_bits.into(),
                g.words.stats.repeated_rate(4).into(),
                g.gen_ppl.perplexity.into(),
            ])
            .map(|_| ())
    };
    for r in results {
        let seed_loop = format!("seed, {} steps", r.seed_loop_steps);
        row(&mut table, &r.model.label, "none", sampler, &r.unprompted)?;
        row(&mut table, &r.model.label, "none", &seed_loop, &r.seed_loop)?;
        row(
            &mut table,
            &r.model.label,
            "held-out words",
            sampler,
            &r.prompted,
        )?;
    }
    row(&mut table, Controls::REAL, "-", "-", &controls.real)?;
    row(&mut table, Controls::SHUFFLED, "-", "-", &controls.shuffled)?;
    Ok(table)
}

pub fn rate_table(results: &[ModelResult]) -> Result<Table> {
    let mut table = Table::new([
        "model",
        "mask rate",
        "loss",
        "std error",
        "accuracy",
        "masked tokens",
    ])
    .significant_digits(4);
    for r in results {
        for rate in &r.scores.rate_losses {
            table.push_row([
                Cell::text(&r.model.label),
                rate.rate.into(),
                rate.mean_loss.into(),
                rate.std_error.into(),
                rate.accuracy.into(),
                rate.masked_tokens.into(),
            ])?;
        }
    }
    Ok(table)
}

pub fn loss_vs_rate_chart(results: &[ModelResult]) -> LineChart {
    let mut chart = LineChart::new("Held-out loss vs mask rate (bars: 1 standard error)")
        .x_label("mask rate")
        .y_label("cross-entropy per masked token (nats)")
        .markers(true);
    for r in results {
        chart = chart.series_with_errors(
            r.model.label.clone(),
            r.scores.rate_losses.iter().filter_map(|l| {
                l.mean_loss
                    .map(|loss| (l.rate, loss, l.std_error.unwrap_or(0.0)))
            }),
        );
    }
    chart
}

/// Loss at each mask rate minus the first model's (the reference curve) with the standard
/// error of the difference: where the curves cross is where this changes sign.
pub fn loss_difference_chart(results: &[ModelResult]) -> Option<LineChart> {
    let (base, rest) = results.split_first()?;
    let mut chart = LineChart::new(format!(
        "Held-out loss minus the loss of `{}` (below 0: better)",
        base.model.label
    ))
    .x_label("mask rate")
    .y_label("loss difference (nats per masked token)")
    .markers(true);
    for r in rest {
        let points = r
            .scores
            .rate_losses
            .iter()
            .zip(&base.scores.rate_losses)
            .filter_map(|(l, b)| {
                let se = (l.std_error.unwrap_or(0.0).powi(2) + b.std_error.unwrap_or(0.0).powi(2))
                    .sqrt();
                Some((l.rate, l.mean_loss? - b.mean_loss?, se))
            });
        chart = chart.series_with_errors(r.model.label.clone(), points);
    }
    Some(chart)
}

pub fn validation_chart(results: &[ModelResult]) -> LineChart {
    let mut chart = LineChart::new("Validation loss during training")
        .x_label("step")
        .y_label("validation loss (each model's own schedule)")
        .markers(true);
    for r in results {
        chart = chart.series(
            r.model.label.clone(),
            r.model.validation.iter().map(|&(s, l)| (s as f64, l)),
        );
    }
    chart
}

/// The standard sections of a comparison report.
pub fn add_comparison(
    report: &mut Report,
    results: &[ModelResult],
    controls: &Controls,
    eval: &EvalSection,
) -> Result<()> {
    let sampler = format!("{}, {} steps", eval.policy, eval.steps);
    let summary = summary_table(results)?;
    report.heading("Results");
    report.paragraph(
        "Bound: the ELBO bound on the held-out blocks under the linear schedule (a fixed \
         Gauss-Legendre quadrature over t, the same masks for every model); per word = the \
         same total over whitespace words, comparable across tokenizers.",
    );
    report.table_with_csv(&summary, "summary.csv")?;
    report.heading("Generation");
    report.paragraph(
        "Samples from a fully masked canvas (prompt: none) and after 8 held-out words, measured \
         on whitespace words so that every tokenizer and real text share one unit: known \
         words = share of the words (lower case, punctuation stripped) that occur in the \
         training text; word entropy = mean unigram entropy of a sample's words (bits); word \
         rep-4 = fraction of a sample's word 4-grams that repeat an earlier one; gen ppl = \
         perplexity under the evaluator (a causal LM trained apart; per evaluator token). Each model is sampled \
         with the preset's sampler and, from the empty canvas, also with the seed's own loop \
         (`seed` policy, 10 steps: predict every masked token, keep the schedule's share, \
         re-mask the rest). The last rows are real held-out text of the same mean length, \
         scored the same way (a sample that beats it on gen ppl while falling short on \
         entropy is repetitive, not better), and the same texts with their words shuffled \
         within each sample: every word statistic of real text but order, so a model whose \
         samples score near this row writes word salad.",
    );
    report.table_with_csv(
        &generation_table(results, controls, &sampler)?,
        "generation.csv",
    )?;
    report.figure(
        "loss_vs_mask_rate.svg",
        "Held-out cross-entropy per masked token at each mask rate",
        &loss_vs_rate_chart(results),
    )?;
    if let Some(chart) = loss_difference_chart(results) {
        report.figure(
            "loss_difference.svg",
            "Loss at each mask rate relative to the first model, with 1 standard error",
            &chart,
        )?;
    }
    let rates = rate_table(results)?;
    report.table_with_csv(&rates, "loss_vs_mask_rate.csv")?;
    report.figure(
        "validation.svg",
        "Validation loss during training",
        &validation_chart(results),
    )?;
    report.heading("Samples");
    for r in results {
        let seed_loop = format!("no prompt, seed loop {} steps", r.seed_loop_steps);
        for (kind, generated) in [
            ("prompted", &r.prompted),
            ("no prompt", &r.unprompted),
            (seed_loop.as_str(), &r.seed_loop),
        ] {
            for (prompt, text) in generated
                .samples
                .prompts
                .iter()
                .zip(&generated.samples.texts)
                .take(QUOTED)
            {
                let label = if prompt.is_empty() {
                    format!("{} ({kind})", r.model.label)
                } else {
                    format!("{} ({kind}): {prompt}", r.model.label)
                };
                report.sample(&label, text);
            }
        }
    }
    for (label, control) in [
        (Controls::REAL, &controls.real),
        (Controls::SHUFFLED, &controls.shuffled),
    ] {
        for text in control.samples.texts.iter().take(QUOTED) {
            report.sample(label, text);
        }
    }
    add_denoising_figures(report, &seed_loop_figures(results))
}
