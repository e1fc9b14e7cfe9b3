//! What `unmask eval` measured (its `--json`), and the tables the terminal and the report
//! show.

use anyhow::Result;
use serde::Serialize;
use unmask_report::{Cell, Table};
use unmask_runtime::measure::{CausalScores, Controls, Generated, HeldOutScores};

use crate::eval::Eval;

#[derive(Debug, Clone, Serialize)]
pub struct EvalResult {
    /// The model as given (a directory or a Hub id) and the directory it was read from.
    pub model: String,
    pub model_dir: String,
    /// `masked LM` or `causal LM`.
    pub kind: &'static str,
    pub corpus: String,
    pub split: &'static str,
    pub blocks: usize,
    /// Tokens per block (a masked LM's capped at its longest sequence).
    pub block_len: usize,
    pub seed: u64,
    pub quadrature_nodes: usize,
    pub likelihood: Likelihood,
    pub generation: Option<GenerationResult>,
}

/// Held-out likelihood: a masked LM's bound and loss curve, or a causal LM's exact NLL.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Likelihood {
    /// Not measured yet.
    None,
    Masked(HeldOutScores),
    Causal(CausalScores),
}

#[derive(Debug, Clone, Serialize)]
pub struct GenerationResult {
    /// How the samples were drawn.
    pub sampler: String,
    /// The causal LM that scored them.
    pub evaluator: String,
    pub generated: Generated,
    /// Real held-out text of the samples' mean length, and the same with shuffled words.
    pub controls: Controls,
}

impl EvalResult {
    pub(crate) fn new(eval: &Eval, causal: bool, split: &'static str) -> Self {
        Self {
            model: eval.model_label.clone(),
            model_dir: eval.model_dir.display().to_string(),
            kind: if causal { "causal LM" } else { "masked LM" },
            corpus: eval.corpus.clone(),
            split,
            blocks: eval.held_out.blocks,
            block_len: eval.held_out.block_len,
            seed: eval.held_out.seed,
            quadrature_nodes: eval.held_out.quadrature_nodes,
            likelihood: Likelihood::None,
            generation: None,
        }
    }

    /// One line naming what was measured on what.
    pub fn headline(&self) -> String {
        format!(
            "{} ({}) on {}, {} split: {} blocks of {} tokens, seed {}",
            self.model, self.kind, self.corpus, self.split, self.blocks, self.block_len, self.seed
        )
    }

    /// Held-out NLL per token and per word: one row, the same columns for a masked LM's bound
    /// and a causal LM's exact NLL, so the two compare line by line.
    pub fn likelihood_table(&self) -> Result<Table> {
        let mut table = Table::new([
            "measure",
            "nats/token",
            "perplexity",
            "nats/word",
            "tokens",
            "words",
        ])
        .significant_digits(4);
        match &self.likelihood {
            Likelihood::Masked(s) => {
                table.push_row([
                    Cell::text(format!(
                        "ELBO bound on NLL ({} quadrature nodes)",
                        self.quadrature_nodes
                    )),
                    s.bound.nll_per_token.into(),
                    s.bound.perplexity.into(),
                    s.nll_per_word.into(),
                    s.bound.tokens.into(),
                    s.words.into(),
                ])?;
            }
            Likelihood::Causal(s) => {
                table.push_row([
                    Cell::text("NLL (left to right)"),
                    s.nll_per_token.into(),
                    s.perplexity.into(),
                    s.nll_per_word.into(),
                    s.tokens.into(),
                    s.words.into(),
                ])?;
            }
            Likelihood::None => {}
        }
        Ok(table)
    }

    /// Loss per masked token at each mask rate (a masked LM only).
    pub fn rate_table(&self) -> Result<Option<Table>> {
        let Likelihood::Masked(scores) = &self.likelihood else {
            return Ok(None);
        };
        let mut table = Table::new([
            "mask rate",
            "loss",
            "std error",
            "accuracy",
            "masked tokens",
        ])
        .significant_digits(4);
        for rate in &scores.rate_losses {
            table.push_row([
                rate.rate.into(),
                rate.mean_loss.into(),
                rate.std_error.into(),
                rate.accuracy.into(),
                rate.masked_tokens.into(),
            ])?;
        }
        Ok(Some(table))
    }

    /// The samples beside real held-out text and its shuffled-words control.
    pub fn generation_table(&self) -> Result<Option<Table>> {
        let Some(g) = &self.generation else {
            return Ok(None);
        };
        let mut table = Table::new([
            "text",
            "sampler",
            "words",
            "known words",
            "word entropy bits",
            "word rep-4",
            "gen ppl",
        ])
        .significant_digits(4);
        let rows = [
            ("samples", g.sampler.as_str(), &g.generated),
            (Controls::REAL, "-", &g.controls.real),
            (Controls::SHUFFLED, "-", &g.controls.shuffled),
        ];
        for (label, sampler, text) in rows {
            table.push_row([
                Cell::text(label),
                Cell::text(sampler),
                text.words.mean_words.into(),
                text.words.known_word_share.into(),
                text.words.stats.mean_unigram_entropy_bits.into(),
                text.words.stats.repeated_rate(4).into(),
                text.gen_ppl.perplexity.into(),
            ])?;
        }
        Ok(Some(table))
    }

    /// What the terminal shows: the headline and every table.
    pub fn to_text(&self) -> Result<String> {
        let mut out = format!(
            "{}\n\n{}",
            self.headline(),
            self.likelihood_table()?.to_markdown()
        );
        if let Some(table) = self.rate_table()? {
            out.push('\n');
            out.push_str(&table.to_markdown());
        }
        if let Some(table) = self.generation_table()? {
            let evaluator = &self
                .generation
                .as_ref()
                .expect("a generation table")
                .evaluator;
            out.push_str(&format!("\nsamples scored by {evaluator}\n"));
            out.push_str(&table.to_markdown());
        }
        Ok(out)
    }
}
