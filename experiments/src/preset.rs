//! An experiment preset: one TOML file sizing every experiment (models, budget, evaluation).
//! Unknown keys are errors, as in `unmask train` configs.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use unmask_sampler::PolicyKind;
use unmask_schedule::LossWeighting;
use unmask_train::lr::Decay;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    pub name: String,
    /// A corpus as `unmask train` names it: `sotu`, `hf:OWNER/NAME/CONFIG`, a path.
    pub corpus: String,
    #[serde(default)]
    pub seed: u64,
    /// What `all` runs, in order (default: every experiment).
    #[serde(default = "all_experiments")]
    pub experiments: Vec<String>,
    pub model: ModelSizes,
    pub data: DataSizes,
    pub train: Budget,
    pub pretrained: PretrainedSection,
    pub evaluator: EvaluatorSection,
    pub eval: EvalSection,
}

/// The from-scratch models (the diffusion models and the causal baseline, all ModernBERT) share these sizes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSizes {
    /// How the compared diffusion models start: `scratch`, or `pretrained` (fine-tune
    /// `pretrained.source`, as the seed did). `pretrained-init` always compares both.
    #[serde(default = "scratch")]
    pub init: String,
    pub hidden_size: usize,
    pub num_layers: usize,
    pub num_heads: usize,
    pub intermediate_size: usize,
    pub dropout: f64,
    pub vocab_size: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSizes {
    pub block_len: usize,
    /// Tokens at the start of every training block that are never masked, and the prompt
    /// length of generation.
    pub prompt_len: usize,
}

/// The training budget every compared model gets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    pub steps: usize,
    pub batch_size: usize,
    pub lr: f64,
    pub warmup_steps: usize,
    pub eval_every: usize,
    pub eval_batches: usize,
    /// `linear`, `cosine` or `constant` after warmup.
    #[serde(default = "cosine")]
    pub decay: Decay,
    /// The seed's path: the `fixed:0.15` model's final weights continued with `linear` for
    /// this many steps (0: no such model).
    #[serde(default)]
    pub curriculum_steps: usize,
    /// `uniform` (mean over masked tokens) or `elbo` (the schedule's 1/t weights).
    #[serde(default)]
    pub weighting: LossWeighting,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PretrainedSection {
    /// `minilm` (datasets/fetch-minilm.sh), a local Hugging Face directory, or a Hub id.
    pub source: String,
    /// Fine-tuning learning rate (the from-scratch runs use `train.lr`).
    pub lr: f64,
    /// The fine-tuning budget; unset values follow `[train]` and `[data]`. A pretrained
    /// encoder costs several times a from-scratch model per token, and its WordPiece tokens
    /// hold about four bytes each.
    #[serde(default)]
    pub steps: Option<usize>,
    #[serde(default)]
    pub batch_size: Option<usize>,
    #[serde(default)]
    pub block_len: Option<usize>,
    #[serde(default)]
    pub warmup_steps: Option<usize>,
    #[serde(default)]
    pub curriculum_steps: Option<usize>,
    /// Tokens generated per sample (its own tokenizer); default `eval.gen_len`.
    #[serde(default)]
    pub gen_len: Option<usize>,
}

/// The causal LM that scores samples (generative perplexity): trained apart from every compared
/// model, with its own seed and a longer budget.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluatorSection {
    /// A trained causal LM directory (a causal ModernBERT or a GPT-2, Hugging Face layout) to use instead of training one.
    #[serde(default)]
    pub source: Option<String>,
    pub steps: usize,
    pub seed: u64,
}

/// [`PretrainedSection`] with its defaults filled in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PretrainedBudget {
    pub steps: usize,
    pub batch_size: usize,
    pub block_len: usize,
    pub warmup_steps: usize,
    pub curriculum_steps: usize,
    pub gen_len: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalSection {
    /// Test blocks the perplexity bound and the loss-vs-mask-rate curve are measured on.
    pub sequences: usize,
    pub quadrature_nodes: usize,
    pub mask_rates: Vec<f64>,
    /// Prompts (the first words of test documents) generated from.
    pub prompts: usize,
    pub prompt_words: usize,
    /// Tokens generated after each prompt.
    pub gen_len: usize,
    /// Sampler of the model comparisons (`seed`, `ancestral`, `prob`, `margin`, `entropy`,
    /// `random` or `threshold`; another name is refused when the preset is read).
    pub policy: PolicyKind,
    pub steps: usize,
    /// `bert-vs-diffusion`: the schedules compared (the 15%-then-linear model joins them
    /// when `train.curriculum_steps` > 0).
    #[serde(default = "central")]
    pub central: Vec<String>,
    /// `schedules`: the schedules compared.
    pub schedules: Vec<String>,
    /// `samplers` and `ar-vs-diffusion`: the policies and step counts swept.
    pub policies: Vec<PolicyKind>,
    pub step_counts: Vec<usize>,
}

fn scratch() -> String {
    "scratch".into()
}
fn cosine() -> Decay {
    Decay::Cosine
}
fn central() -> Vec<String> {
    ["fixed:0.15", "levels:10", "linear"]
        .map(String::from)
        .to_vec()
}
fn all_experiments() -> Vec<String> {
    crate::runner::EXPERIMENTS
        .iter()
        .map(|s| s.to_string())
        .collect()
}

const BUILTIN: [(&str, &str); 5] = [
    ("tiny", include_str!("../presets/tiny.toml")),
    ("cpu-small", include_str!("../presets/cpu-small.toml")),
    ("cpu-full", include_str!("../presets/cpu-full.toml")),
    ("seed", include_str!("../presets/seed.toml")),
    (
        "seed-modernbert",
        include_str!("../presets/seed-modernbert.toml"),
    ),
];

impl Preset {
    /// A built-in preset by name, or a TOML file by path.
    pub fn load(name_or_path: &str) -> Result<Self> {
        if let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            return Self::parse(text, name_or_path);
        }
        let path = Path::new(name_or_path);
        if !path.is_file() {
            let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
            bail!(
                "--preset `{name_or_path}` is neither a built-in preset ({}) nor a TOML file",
                names.join(", ")
            );
        }
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        Self::parse(&text, name_or_path)
    }

    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let preset: Preset =
            toml::from_str(text).with_context(|| format!("the preset {origin}"))?;
        preset
            .validate()
            .with_context(|| format!("the preset {origin}"))?;
        Ok(preset)
    }

    pub fn validate(&self) -> Result<()> {
        let e = &self.eval;
        if self.data.prompt_len + e.gen_len + 2 > self.data.block_len {
            bail!(
                "data.prompt_len {} + eval.gen_len {} + 2 special tokens exceed data.block_len {}",
                self.data.prompt_len,
                e.gen_len,
                self.data.block_len
            );
        }
        if e.mask_rates
            .iter()
            .any(|r| !(0.0..=1.0).contains(r) || *r == 0.0)
        {
            bail!("eval.mask_rates must lie in (0, 1]");
        }
        if e.sequences == 0 || e.prompts == 0 || e.quadrature_nodes == 0 || e.steps == 0 {
            bail!("eval.sequences, eval.prompts, eval.quadrature_nodes and eval.steps must be > 0");
        }
        if e.step_counts.is_empty()
            || e.policies.is_empty()
            || e.schedules.is_empty()
            || e.central.is_empty()
        {
            bail!(
                "eval.step_counts, eval.policies, eval.schedules and eval.central must not be empty"
            );
        }
        if !["scratch", "pretrained"].contains(&self.model.init.as_str()) {
            bail!(
                "model.init `{}`: use scratch or pretrained",
                self.model.init
            );
        }
        if self.train.steps == 0 || self.evaluator.steps == 0 {
            bail!("train.steps and evaluator.steps must be > 0");
        }
        if let Some(unknown) = self
            .experiments
            .iter()
            .find(|name| !crate::runner::EXPERIMENTS.contains(&name.as_str()))
        {
            bail!(
                "experiments: unknown experiment `{unknown}`; choose from {}",
                crate::runner::EXPERIMENTS.join(", ")
            );
        }
        let p = &self.pretrained;
        if p.steps == Some(0) || p.batch_size == Some(0) || p.gen_len == Some(0) {
            bail!("pretrained.steps, pretrained.batch_size and pretrained.gen_len must be > 0");
        }
        if p.block_len.is_some_and(|len| len < 8) {
            bail!("pretrained.block_len must be at least 8");
        }
        Ok(())
    }

    /// The fine-tuning budget of the pretrained encoder.
    pub fn pretrained_budget(&self) -> PretrainedBudget {
        let p = &self.pretrained;
        PretrainedBudget {
            steps: p.steps.unwrap_or(self.train.steps),
            batch_size: p.batch_size.unwrap_or(self.train.batch_size),
            block_len: p.block_len.unwrap_or(self.data.block_len),
            warmup_steps: p.warmup_steps.unwrap_or(self.train.warmup_steps),
            curriculum_steps: p.curriculum_steps.unwrap_or(self.train.curriculum_steps),
            gen_len: p.gen_len.unwrap_or(self.eval.gen_len),
        }
    }

    /// The local directory of the pretrained encoder.
    pub fn pretrained_dir(&self) -> Result<PathBuf> {
        if self.pretrained.source == "minilm" {
            let dir = unmask_text::unmask_cache_dir()?
                .join("minilm")
                .join("all-MiniLM-L6-v2");
            if !dir.join("config.json").is_file() {
                bail!(
                    "the pretrained encoder all-MiniLM-L6-v2 is not in {}: run \
                     `bash datasets/fetch-minilm.sh` first",
                    dir.display()
                );
            }
            return Ok(dir);
        }
        unmask_runtime::source::model_dir(&self.pretrained.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = include_str!("../presets/tiny.toml");
    const VALID: [&str; 7] = [
        "`seed`",
        "`ancestral`",
        "`prob`",
        "`margin`",
        "`entropy`",
        "`random`",
        "`threshold`",
    ];

    fn edited(from: &str, to: &str) -> String {
        assert!(TINY.contains(from), "{from} is in the tiny preset");
        TINY.replacen(from, to, 1)
    }

    #[test]
    fn policies_are_read_and_written_by_name() {
        let preset = Preset::parse(TINY, "tiny").unwrap();
        assert_eq!(preset.eval.policy, PolicyKind::Ancestral);
        assert_eq!(preset.eval.policies, [PolicyKind::Prob, PolicyKind::Seed]);
        let every: Vec<String> = PolicyKind::ALL.iter().map(|k| format!("\"{k}\"")).collect();
        let text = edited(
            "policies = [\"prob\", \"seed\"]",
            &format!("policies = [{}]", every.join(", ")),
        );
        let preset = Preset::parse(&text, "every policy").unwrap();
        assert_eq!(preset.eval.policies, PolicyKind::ALL);
        let written = toml::to_string(&preset).unwrap();
        assert!(written.contains("policy = \"ancestral\""), "{written}");
        assert!(
            written.contains(&format!("policies = [{}]", every.join(", "))),
            "{written}"
        );
        assert_eq!(Preset::parse(&written, "written").unwrap(), preset);
    }

    #[test]
    fn an_unknown_policy_is_refused_naming_it_and_the_valid_ones() {
        for text in [
            edited("policy = \"ancestral\"", "policy = \"greedy\""),
            edited(
                "policies = [\"prob\", \"seed\"]",
                "policies = [\"prob\", \"greedy\"]",
            ),
        ] {
            let err = format!("{:#}", Preset::parse(&text, "edited").unwrap_err());
            assert!(err.contains("greedy"), "{err}");
            for word in VALID {
                assert!(err.contains(word), "{word} missing from {err}");
            }
        }
    }
}
