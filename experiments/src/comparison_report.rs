//! The report of a comparison of masked LMs: one table, the loss-vs-mask-rate figure, the
//! validation curves, and samples.

use anyhow::Result;
use unmask_report::{Cell, LineChart, Report, Table};

use crate::compare::ModelResult;

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
        "gen ppl (prompted)",
        "entropy bits (prompted)",
        "rep-4 (prompted)",
        "gen ppl (no prompt)",
        "entropy bits (no prompt)",
        "rep-4 (no prompt)",
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
            r.prompted.gen_ppl.perplexity.into(),
            r.prompted.stats.mean_unigram_entropy_bits.into(),
            r.prompted.stats.repeated_rate(4).into(),
            r.unprompted.gen_ppl.perplexity.into(),
            r.unprompted.stats.mean_unigram_entropy_bits.into(),
            r.unprompted.stats.repeated_rate(4).into(),
        ])?;
    }
    Ok(table)
}

pub fn rate_table(results: &[ModelResult]) -> Result<Table> {
    let mut table = Table::new(["model", "mask rate", "loss", "accuracy", "masked tokens"])
        .significant_digits(4);
    for r in results {
        for rate in &r.scores.rate_losses {
            table.push_row([
                Cell::text(&r.model.label),
                rate.rate.into(),
                rate.mean_loss.into(),
                rate.accuracy.into(),
                rate.masked_tokens.into(),
            ])?;
        }
    }
    Ok(table)
}

pub fn loss_vs_rate_chart(results: &[ModelResult]) -> LineChart {
    let mut chart = LineChart::new("Held-out loss vs mask rate")
        .x_label("mask rate")
        .y_label("cross-entropy per masked token (nats)")
        .markers(true);
    for r in results {
        chart = chart.series(
            r.model.label.clone(),
            r.scores
                .rate_losses
                .iter()
                .filter_map(|l| l.mean_loss.map(|loss| (l.rate, loss))),
        );
    }
    chart
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
pub fn add_comparison(report: &mut Report, results: &[ModelResult]) -> Result<()> {
    let summary = summary_table(results)?;
    report.heading("Results");
    report.paragraph(
        "Bound: the ELBO bound on the held-out blocks under the linear schedule (a fixed \
         Gauss-Legendre quadrature over t, the same masks for every model); per word = the \
         same total over whitespace words, comparable across tokenizers. Gen ppl: perplexity \
         of the samples under the evaluator GPT-2; entropy: mean unigram entropy of a sample \
         (bits); rep-4: fraction of repeated 4-grams in a sample.",
    );
    report.table_with_csv(&summary, "summary.csv")?;
    report.figure(
        "loss_vs_mask_rate.svg",
        "Held-out cross-entropy per masked token at each mask rate",
        &loss_vs_rate_chart(results),
    )?;
    let rates = rate_table(results)?;
    report.table_with_csv(&rates, "loss_vs_mask_rate.csv")?;
    report.figure(
        "validation.svg",
        "Validation loss during training",
        &validation_chart(results),
    )?;
    report.heading("Samples");
    for r in results {
        for (kind, generated) in [("prompted", &r.prompted), ("no prompt", &r.unprompted)] {
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
    Ok(())
}
