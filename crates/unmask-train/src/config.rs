//! The TOML file behind `unmask train`: model, tokenizer, data, schedule, optimizer, run.
//! Unknown keys are errors (a typo must not silently fall back to a default).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use unmask_schedule::{LossWeighting, TimeSampling};

use crate::lr::Decay;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    pub model: ModelSection,
    #[serde(default)]
    pub tokenizer: TokenizerSection,
    pub data: DataSection,
    #[serde(default)]
    pub schedule: ScheduleSection,
    #[serde(default)]
    pub optim: OptimSection,
    pub run: RunSection,
}

/// Start from a Hugging Face checkpoint (fine-tuning) or from a config (from scratch).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, tag = "init", rename_all = "lowercase")]
pub enum ModelSection {
    Pretrained {
        /// A local directory or a Hub id such as `FacebookAI/roberta-base`.
        source: String,
        /// The decoder bias of a fresh MLM head (a checkpoint without one).
        #[serde(default)]
        head_bias: HeadBias,
    },
    Scratch {
        /// `roberta` (a post-LN masked LM, trained as a diffusion model), `modernbert` (a
        /// pre-LN rotary encoder: a masked LM, or with `causal = true` the same network as a
        /// causal LM) or `gpt2` (a causal LM, trained on next-token prediction).
        #[serde(default)]
        architecture: Architecture,
        /// Attention to the past only and next-token prediction (`modernbert` only): the
        /// autoregressive baseline on the diffusion model's own network.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        causal: bool,
        hidden_size: usize,
        num_layers: usize,
        num_heads: usize,
        intermediate_size: usize,
        #[serde(default = "default_dropout")]
        dropout: f64,
        /// The decoder bias of the fresh MLM head.
        #[serde(default)]
        head_bias: HeadBias,
    },
}

/// How a fresh MLM head's decoder bias starts (`unmask_train::fresh_init`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HeadBias {
    /// The log-frequency of each token in the train split: the model starts at the unigram
    /// loss instead of ln(vocab).
    #[default]
    Unigram,
    /// Zeros, as transformers initialises it.
    Zero,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    #[default]
    Roberta,
    #[serde(rename = "modernbert")]
    ModernBert,
    Gpt2,
}

impl Architecture {
    pub fn name(self) -> &'static str {
        match self {
            Self::Roberta => "roberta",
            Self::ModernBert => "modernbert",
            Self::Gpt2 => "gpt2",
        }
    }
}

/// Where the tokenizer comes from when training from scratch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenizerSection {
    /// `train` (a byte-level BPE trained on the train split), or a directory / tokenizer.json.
    /// Ignored for pretrained models, which bring their own.
    #[serde(default = "default_tokenizer_source")]
    pub source: String,
    #[serde(default = "default_vocab")]
    pub vocab_size: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSection {
    /// `sotu`, a path to a text/JSONL/Parquet file or a directory.
    pub corpus: String,
    #[serde(default = "default_block_len")]
    pub block_len: usize,
    /// The first `prompt_len` tokens of every block are never masked (the seed: 16).
    #[serde(default = "default_prompt_len")]
    pub prompt_len: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSection {
    /// A registry spelling: `fixed:0.15`, `levels:10`, `linear`, `loglinear`, `cosine`, `spindle:0.3`.
    #[serde(default = "default_schedule")]
    pub name: String,
    /// `uniform` (the mean over masked tokens) or `elbo` (the schedule's ELBO weights).
    #[serde(default)]
    pub weighting: LossWeighting,
    /// `iid` or `antithetic` (default).
    #[serde(default)]
    pub time_sampling: TimeSampling,
    #[serde(default = "default_eps")]
    pub eps: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimSection {
    #[serde(default = "default_lr")]
    pub lr: f64,
    #[serde(default)]
    pub warmup_steps: usize,
    #[serde(default = "default_decay")]
    pub decay: Decay,
    /// AdamW decoupled weight decay (transformers' default 0.0; RoBERTa pretraining 0.01).
    #[serde(default = "default_weight_decay")]
    pub weight_decay: f64,
    #[serde(default = "default_beta1")]
    pub beta1: f64,
    #[serde(default = "default_beta2")]
    pub beta2: f64,
    /// PyTorch's default 1e-8 (burn's own default is 1e-5).
    #[serde(default = "default_adam_eps")]
    pub adam_eps: f64,
    /// Global gradient-norm clip; 0 disables it.
    #[serde(default = "default_clip")]
    pub grad_clip: f64,
    #[serde(default = "default_batch")]
    pub batch_size: usize,
    /// Micro-batches accumulated per optimizer step.
    #[serde(default = "default_accum")]
    pub grad_accum: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSection {
    /// Optimizer steps.
    pub steps: usize,
    pub out_dir: PathBuf,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default = "default_log_every")]
    pub log_every: usize,
    /// Validation every N steps (and at the end); 0 = only at the end.
    #[serde(default = "default_eval_every")]
    pub eval_every: usize,
    /// Validation batches per evaluation.
    #[serde(default = "default_eval_batches")]
    pub eval_batches: usize,
    /// A resumable checkpoint every N steps; 0 = only at the end.
    #[serde(default = "default_checkpoint_every")]
    pub checkpoint_every: usize,
    /// How many checkpoints to keep: the newest in `checkpoint/`, the older ones in
    /// `checkpoint-STEP/` (default 1: only the newest).
    #[serde(default = "default_keep_checkpoints")]
    pub keep_checkpoints: usize,
    /// A Hugging Face model directory `snapshots/step-N/` every N steps (0 = none): the
    /// model as it was, for measuring how it learned (the final model is in `final/`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub snapshot_every: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn default_dropout() -> f64 {
    0.1
}
fn default_tokenizer_source() -> String {
    "train".into()
}
fn default_vocab() -> usize {
    8192
}
fn default_block_len() -> usize {
    256
}
fn default_prompt_len() -> usize {
    16
}
fn default_schedule() -> String {
    "linear".into()
}
fn default_eps() -> f64 {
    1e-3
}
fn default_lr() -> f64 {
    5e-5
}
fn default_decay() -> Decay {
    Decay::Linear
}
fn default_weight_decay() -> f64 {
    0.0
}
fn default_beta1() -> f64 {
    0.9
}
fn default_beta2() -> f64 {
    0.999
}
fn default_adam_eps() -> f64 {
    1e-8
}
fn default_clip() -> f64 {
    1.0
}
fn default_batch() -> usize {
    16
}
fn default_accum() -> usize {
    1
}
fn default_seed() -> u64 {
    42
}
fn default_log_every() -> usize {
    10
}
fn default_eval_every() -> usize {
    100
}
fn default_eval_batches() -> usize {
    8
}
fn default_checkpoint_every() -> usize {
    100
}
fn default_keep_checkpoints() -> usize {
    1
}

impl Default for TokenizerSection {
    fn default() -> Self {
        Self {
            source: default_tokenizer_source(),
            vocab_size: default_vocab(),
        }
    }
}

impl Default for ScheduleSection {
    fn default() -> Self {
        Self {
            name: default_schedule(),
            weighting: LossWeighting::default(),
            time_sampling: TimeSampling::default(),
            eps: default_eps(),
        }
    }
}

impl Default for OptimSection {
    fn default() -> Self {
        Self {
            lr: default_lr(),
            warmup_steps: 0,
            decay: default_decay(),
            weight_decay: default_weight_decay(),
            beta1: default_beta1(),
            beta2: default_beta2(),
            adam_eps: default_adam_eps(),
            grad_clip: default_clip(),
            batch_size: default_batch(),
            grad_accum: default_accum(),
        }
    }
}

impl RunSection {
    /// `steps` optimizer steps into `out_dir`, every other setting at its default.
    pub fn new(steps: usize, out_dir: PathBuf) -> Self {
        Self {
            steps,
            out_dir,
            seed: default_seed(),
            log_every: default_log_every(),
            eval_every: default_eval_every(),
            eval_batches: default_eval_batches(),
            checkpoint_every: default_checkpoint_every(),
            keep_checkpoints: default_keep_checkpoints(),
            snapshot_every: 0,
        }
    }
}

impl DataSection {
    /// `corpus` in blocks of the default length, with the default prompt region.
    pub fn new(corpus: impl Into<String>) -> Self {
        Self {
            corpus: corpus.into(),
            block_len: default_block_len(),
            prompt_len: default_prompt_len(),
        }
    }
}

/// The keys a `--resume` may change (see [`TrainConfig::resume_differences`]): none of them
/// changes the model the checkpoint holds. `run.steps` may not go below the checkpoint's step.
pub const RESUME_MAY_CHANGE: &[&str] = &[
    "run.steps",
    "run.out_dir",
    "run.log_every",
    "run.eval_every",
    "run.eval_batches",
    "run.checkpoint_every",
    "run.keep_checkpoints",
    "run.snapshot_every",
];

/// `(key, "key: old -> new")` for every leaf where `old` and `new` differ; a key missing on
/// one side reads `(absent)`.
fn diff_values(
    prefix: &str,
    old: &toml::Value,
    new: &toml::Value,
    out: &mut Vec<(String, String)>,
) {
    use toml::Value;
    if let (Value::Table(old), Value::Table(new)) = (old, new) {
        let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match (old.get(key), new.get(key)) {
                (Some(o), Some(n)) => diff_values(&path, o, n, out),
                (o, n) => {
                    let show =
                        |v: Option<&Value>| v.map_or("(absent)".to_string(), Value::to_string);
                    out.push((path.clone(), format!("{path}: {} -> {}", show(o), show(n))));
                }
            }
        }
    } else if old != new {
        out.push((prefix.to_string(), format!("{prefix}: {old} -> {new}")));
    }
}

/// The presets shipped inside the binary.
pub const PRESETS: &[(&str, &str)] = &[
    ("cpu-small", include_str!("../presets/cpu-small.toml")),
    ("seed", include_str!("../presets/seed.toml")),
    ("tiny", include_str!("../presets/tiny.toml")),
];

impl TrainConfig {
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let config: Self = toml::from_str(text).map_err(|e| e.to_string())?;
        config.validate()?;
        Ok(config)
    }

    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
        Self::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn preset(name: &str) -> Result<Self, String> {
        let (_, text) = PRESETS.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            let names: Vec<_> = PRESETS.iter().map(|(n, _)| *n).collect();
            format!("no preset `{name}`; presets: {}", names.join(", "))
        })?;
        Self::from_toml(text).map_err(|e| format!("preset {name}: {e}"))
    }

    /// The config as TOML ([`TrainConfig::validate`] has checked that it has one: its one
    /// path, `run.out_dir`, is UTF-8).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a validated config serializes")
    }

    /// What stops this config from resuming a run saved with `saved`: one line per differing
    /// key, `section.key: saved -> new`, empty when the resume may go on.
    ///
    /// A resumed run must continue the run it resumes: only [`RESUME_MAY_CHANGE`] (the step
    /// count, logging, evaluation, checkpoint and snapshot cadence, the directory's path) may
    /// differ. Everything else (the model, tokenizer, data, schedule, optimizer, seed) would
    /// train a different model from the checkpoint. (`run.steps` is checked against the
    /// checkpoint's step by the resume itself, `run_dir::prepare`.)
    pub fn resume_differences(&self, saved: &TrainConfig) -> Vec<String> {
        let (new, old) = match (toml::Value::try_from(self), toml::Value::try_from(saved)) {
            (Ok(new), Ok(old)) => (new, old),
            _ => return vec!["the configs cannot be compared (not representable in TOML)".into()],
        };
        let mut differences = Vec::new();
        diff_values("", &old, &new, &mut differences);
        differences
            .into_iter()
            .filter(|(key, _)| !RESUME_MAY_CHANGE.contains(&key.as_str()))
            .map(|(_, line)| line)
            .collect()
    }

    pub fn validate(&self) -> Result<(), String> {
        let o = &self.optim;
        let checks: [(bool, &str); 10] = [
            (self.run.steps > 0, "run.steps must be at least 1"),
            (
                self.run.keep_checkpoints > 0,
                "run.keep_checkpoints must be at least 1",
            ),
            (o.batch_size > 0, "optim.batch_size must be at least 1"),
            (o.grad_accum > 0, "optim.grad_accum must be at least 1"),
            (o.lr > 0.0 && o.lr.is_finite(), "optim.lr must be positive"),
            (
                (0.0..1.0).contains(&o.beta1) && (0.0..1.0).contains(&o.beta2),
                "optim.beta1/beta2 must be in [0, 1)",
            ),
            (o.adam_eps > 0.0, "optim.adam_eps must be positive"),
            (
                o.grad_clip >= 0.0 && o.weight_decay >= 0.0,
                "optim.grad_clip and optim.weight_decay must be >= 0",
            ),
            (
                self.data.block_len >= 8,
                "data.block_len must be at least 8",
            ),
            (
                self.data.prompt_len < self.data.block_len,
                "data.prompt_len must be smaller than data.block_len",
            ),
        ];
        for (ok, msg) in checks {
            if !ok {
                return Err(msg.to_string());
            }
        }
        // The run's config.toml records the directory: TOML holds only UTF-8.
        if self.run.out_dir.to_str().is_none() {
            return Err(format!(
                "run.out_dir {} is not valid UTF-8; choose a directory name in UTF-8",
                self.run.out_dir.display()
            ));
        }
        if let ModelSection::Scratch {
            architecture,
            causal,
            hidden_size,
            num_heads,
            dropout,
            ..
        } = &self.model
        {
            if *causal && *architecture != Architecture::ModernBert {
                return Err(format!(
                    "model.causal = true needs architecture = \"modernbert\" (gpt2 is always causal, roberta never), got {}",
                    architecture.name()
                ));
            }
            if *num_heads == 0 || hidden_size % num_heads != 0 {
                return Err(format!(
                    "model.hidden_size {hidden_size} must be a multiple of model.num_heads {num_heads}"
                ));
            }
            if !(0.0..1.0).contains(dropout) {
                return Err("model.dropout must be in [0, 1)".into());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> TrainConfig {
        TrainConfig::preset("tiny").unwrap()
    }

    #[test]
    fn weighting_and_time_sampling_keep_their_spellings_and_list_the_valid_ones() {
        let text = tiny().to_toml();
        let with = |key: &str, value: &str| {
            let line = format!("{key} = \"{value}\"");
            let replaced = text
                .lines()
                .map(|l| {
                    if l.starts_with(&format!("{key} =")) {
                        line.as_str()
                    } else {
                        l
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            assert_ne!(replaced, text, "{key} is in the preset");
            TrainConfig::from_toml(&replaced)
        };
        let config = with("weighting", "elbo").unwrap();
        assert_eq!(config.schedule.weighting, LossWeighting::Elbo);
        assert!(config.to_toml().contains("weighting = \"elbo\""));
        let config = with("time_sampling", "iid").unwrap();
        assert_eq!(config.schedule.time_sampling, TimeSampling::Iid);
        assert!(config.to_toml().contains("time_sampling = \"iid\""));

        let err = with("weighting", "elbow").unwrap_err();
        for word in ["elbow", "`uniform`", "`elbo`"] {
            assert!(err.contains(word), "{word} missing from {err}");
        }
        let err = with("time_sampling", "stratified").unwrap_err();
        for word in ["stratified", "`iid`", "`antithetic`"] {
            assert!(err.contains(word), "{word} missing from {err}");
        }
    }

    #[test]
    fn resume_accepts_cadence_a_new_path_and_more_steps() {
        let saved = tiny();
        assert!(saved.resume_differences(&saved).is_empty());
        let mut new = saved.clone();
        new.run.steps += 100;
        new.run.out_dir = PathBuf::from("moved/elsewhere");
        new.run.log_every += 1;
        new.run.eval_every += 1;
        new.run.eval_batches += 1;
        new.run.checkpoint_every += 1;
        new.run.keep_checkpoints += 1;
        assert_eq!(new.resume_differences(&saved), Vec::<String>::new());
    }

    #[test]
    fn resume_names_every_other_difference() {
        let saved = tiny();
        let mut new = saved.clone();
        let ModelSection::Scratch { hidden_size, .. } = &mut new.model else {
            panic!("tiny trains from scratch");
        };
        let old_hidden = *hidden_size;
        *hidden_size *= 2;
        new.optim.lr *= 2.0;
        new.schedule.name = "cosine".into();
        new.data.block_len += 8;
        new.optim.batch_size += 1;
        new.run.seed += 1;
        new.tokenizer.vocab_size += 10;
        let differences = new.resume_differences(&saved);
        let all = differences.join("\n");
        assert_eq!(differences.len(), 7, "{all}");
        assert!(
            all.contains(&format!(
                "model.hidden_size: {old_hidden} -> {}",
                old_hidden * 2
            )),
            "{all}"
        );
        for key in [
            "optim.lr: ",
            "schedule.name: \"",
            "data.block_len: ",
            "optim.batch_size: ",
            "run.seed: ",
            "tokenizer.vocab_size: ",
        ] {
            assert!(all.contains(key), "{key} missing from {all}");
        }

        // Fewer steps are the resume's to check (against the checkpoint's step).
        let mut shorter = saved.clone();
        shorter.run.steps -= 1;
        assert!(shorter.resume_differences(&saved).is_empty());

        // Another model family: the tag and its fields differ.
        let mut pretrained = saved.clone();
        pretrained.model = ModelSection::Pretrained {
            source: "some/model".into(),
            head_bias: HeadBias::Unigram,
        };
        let all = pretrained.resume_differences(&saved).join("\n");
        assert!(
            all.contains("model.init: \"scratch\" -> \"pretrained\""),
            "{all}"
        );
        assert!(
            all.contains("model.source: (absent) -> \"some/model\""),
            "{all}"
        );
    }
}
