//! `unmask eval --out DIR`: the measurement as a small report, report.md with its tables
//! (and CSV), the loss-vs-mask-rate figure of a masked LM, samples and results.json.

use std::path::{Path, PathBuf};

use anyhow::Result;
use unmask_report::{LineChart, Report};

use crate::eval::result::{EvalResult, Likelihood};

/// Samples quoted in the report.
const QUOTED: usize = 3;

/// Writes the report of `result` into `dir`; `command` is the line that reproduces it.
pub fn write_report(result: &EvalResult, command: &str, dir: &Path) -> Result<PathBuf> {
    let mut report = Report::new(format!("unmask eval: {}", result.model));
    report.paragraph(&format!(
        "{}. Units: nats; per word = the same total over whitespace words, comparable across \
         tokenizers. A masked LM's number is the ELBO bound on its NLL (linear schedule, fixed \
         Gauss-Legendre quadrature), a causal LM's its exact NLL: both read on the same blocks \
         of text.",
        unmask_report::escape_markdown(&result.headline())
    ));
    report.code_block("sh", command);
    report.heading("Held-out likelihood");
    report.table_with_csv(&result.likelihood_table()?, "likelihood.csv")?;
    if let Some(table) = result.rate_table()? {
        report.heading("Loss vs mask rate");
        report.figure(
            "loss_vs_mask_rate.svg",
            "Held-out cross-entropy per masked token at each mask rate",
            &loss_vs_rate_chart(result),
        )?;
        report.table_with_csv(&table, "loss_vs_mask_rate.csv")?;
    }
    if let (Some(table), Some(g)) = (result.generation_table()?, &result.generation) {
        report.heading("Generation");
        report.paragraph(&format!(
            "Samples from nothing (a fully masked canvas, or BOS for a causal LM), scored on \
             whitespace words and by the evaluator `{}` (gen ppl: perplexity per evaluator \
             token), beside real held-out text of the same mean length and the same texts with \
             their words shuffled.",
            unmask_report::escape_markdown(&g.evaluator)
        ));
        report.table_with_csv(&table, "generation.csv")?;
        for text in g.generated.samples.texts.iter().take(QUOTED) {
            report.sample(&format!("sample ({})", g.sampler), text);
        }
    }
    report.json("results.json", result)?;
    Ok(report.write(dir)?)
}

fn loss_vs_rate_chart(result: &EvalResult) -> LineChart {
    let chart = LineChart::new("Held-out loss vs mask rate (bars: 1 standard error)")
        .x_label("mask rate")
        .y_label("cross-entropy per masked token (nats)")
        .markers(true);
    let Likelihood::Masked(scores) = &result.likelihood else {
        return chart;
    };
    chart.series_with_errors(
        result.model.clone(),
        scores.rate_losses.iter().filter_map(|l| {
            l.mean_loss
                .map(|loss| (l.rate, loss, l.std_error.unwrap_or(0.0)))
        }),
    )
}
