//! Writes a small report with every kind of block into the directory given as the first
//! argument (default `target/sample-report`), to look at the charts by eye:
//! `cargo run -p unmask-report --example sample_report -- /tmp/sample-report`.

use unmask_report::{Cell, LineChart, Report, Table};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/sample-report".to_string());
    let curve = |scale: f64, rate: f64| -> Vec<(f64, f64)> {
        (0..=40)
            .map(|i| (i as f64 * 250.0, 1.5 + scale / (1.0 + rate * i as f64)))
            .collect()
    };
    let mut noisy = curve(8.5, 0.25);
    noisy[17].1 = f64::NAN; // a diverged step: the line breaks here
    let loss = LineChart::new("Training loss <by schedule>")
        .x_label("optimizer step")
        .y_label("masked-token loss (nats)")
        .series("linear", curve(8.0, 0.3))
        .series("cosine", curve(7.0, 0.2))
        .series("log-linear & friends", noisy);
    let perplexity = LineChart::new("Perplexity vs. sampling steps")
        .x_label("denoising steps")
        .y_label("generative perplexity")
        .series(
            "roberta-base",
            [
                (4.0, 950.0),
                (8.0, 310.0),
                (16.0, 120.0),
                (32.0, 64.0),
                (64.0, 41.0),
            ],
        )
        .series(
            "distilroberta",
            [
                (4.0, 1400.0),
                (8.0, 520.0),
                (16.0, 210.0),
                (32.0, 95.0),
                (64.0, 70.0),
            ],
        )
        .log_x(true)
        .log_y(true)
        .markers(true);
    let rates = LineChart::new("Held-out loss vs mask rate (bars: 1 standard error)")
        .x_label("mask rate")
        .y_label("cross-entropy per masked token (nats)")
        .series_with_errors(
            "roberta-base",
            [
                (0.15, 2.1, 0.05),
                (0.3, 2.4, 0.06),
                (0.5, 2.9, 0.08),
                (0.7, 3.6, 0.1),
            ],
        )
        .series_with_errors(
            "distilroberta",
            [
                (0.15, 2.5, 0.07),
                (0.3, 2.8, 0.07),
                (0.5, 3.2, 0.09),
                (0.7, 3.8, 0.12),
            ],
        )
        .markers(true);

    let mut table = Table::new(["model", "corpus", "perplexity", "steps"]);
    table.push_row([
        Cell::text("roberta-base"),
        Cell::text("SOTU"),
        12.4.into(),
        64.into(),
    ])?;
    table.push_row([
        Cell::text("gpt2 | AR"),
        Cell::text("Moby-Dick"),
        27.5.into(),
        1.into(),
    ])?;

    let mut report = Report::new("Sample report");
    report
        .paragraph("Every block type, to check the rendering by eye.")
        .heading("Figures")
        .figure("loss.svg", "Training loss by schedule", &loss)?
        .figure(
            "perplexity.svg",
            "Perplexity against denoising steps (log-log)",
            &perplexity,
        )?
        .figure("rates.svg", "Held-out loss with error bars", &rates)?
        .heading("Numbers")
        .table_with_csv(&table, "perplexity.csv")?
        .heading("Samples")
        .sample(
            "roberta-base, 64 steps",
            "# The <mask> of the *Union*\nis strong | 1. really",
        )
        .heading("Reproduce")
        .code_block(
            "sh",
            "cargo run -p unmask-report --example sample_report -- /tmp/sample-report",
        );
    let path = report.write(&dir)?;
    println!("{}", path.display());
    Ok(())
}
