//! The models an experiment compares: trained once per preset and reused by every
//! experiment that asks for the same training config.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use burn::tensor::backend::AutodiffBackend;
use serde::{Deserialize, Serialize};
use unmask_train::{TrainConfig, TrainOptions, train, trainer::final_model_dir};

use crate::preset::Preset;

/// What a model is, as one experiment row: a label, and how it is trained.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    /// Directory name under `<out>/<preset>/models/`.
    pub key: String,
    pub label: String,
    pub init: Init,
    /// `roberta` (diffusion / MLM) or `gpt2` (causal).
    pub architecture: &'static str,
    pub schedule: String,
    pub seed: u64,
    pub steps: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Init {
    Scratch,
    Pretrained(PathBuf),
}

/// A trained model and what its training reported.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainedModel {
    pub key: String,
    pub label: String,
    pub dir: PathBuf,
    pub parameters: usize,
    pub steps: usize,
    pub train_seconds: f64,
    pub tokens_per_s: f64,
    /// `(step, validation loss)`.
    pub validation: Vec<(usize, f64)>,
    pub schedule: String,
    pub architecture: String,
}

impl TrainedModel {
    /// A model trained elsewhere (a directory in the Hugging Face layout).
    pub fn external(label: &str, dir: PathBuf) -> Self {
        Self {
            key: "external".into(),
            label: label.into(),
            dir,
            parameters: 0,
            steps: 0,
            train_seconds: 0.0,
            tokens_per_s: 0.0,
            validation: Vec::new(),
            schedule: String::new(),
            architecture: String::new(),
        }
    }
}

impl ModelSpec {
    /// A diffusion (or MLM) model of the preset: from scratch, or fine-tuned from the
    /// pretrained encoder when the preset says `model.init = "pretrained"`.
    pub fn diffusion(preset: &Preset, schedule: &str) -> Result<Self> {
        if preset.model.init == "pretrained" {
            return Ok(Self::pretrained(preset, preset.pretrained_dir()?, schedule));
        }
        Ok(Self::scratch(preset, schedule))
    }

    /// A from-scratch diffusion model whatever the preset's `model.init`.
    pub fn scratch(preset: &Preset, schedule: &str) -> Self {
        Self {
            key: format!("scratch-{}", schedule.replace([':', '/'], "_")),
            label: schedule.to_string(),
            init: Init::Scratch,
            architecture: "roberta",
            schedule: schedule.to_string(),
            seed: preset.seed,
            steps: preset.train.steps,
        }
    }

    pub fn gpt2(preset: &Preset) -> Self {
        Self {
            key: "scratch-gpt2".into(),
            label: "GPT-2 (autoregressive)".into(),
            init: Init::Scratch,
            architecture: "gpt2",
            schedule: "linear".into(),
            seed: preset.seed,
            steps: preset.train.steps,
        }
    }

    pub fn evaluator(preset: &Preset) -> Self {
        Self {
            key: "evaluator-gpt2".into(),
            label: "evaluator GPT-2".into(),
            init: Init::Scratch,
            architecture: "gpt2",
            schedule: "linear".into(),
            seed: preset.evaluator.seed,
            steps: preset.evaluator.steps,
        }
    }

    pub fn pretrained(preset: &Preset, dir: PathBuf, schedule: &str) -> Self {
        Self {
            key: format!("pretrained-{}", schedule.replace([':', '/'], "_")),
            label: format!("{schedule}, pretrained init"),
            init: Init::Pretrained(dir),
            architecture: "roberta",
            schedule: schedule.to_string(),
            seed: preset.seed,
            steps: preset.train.steps,
        }
    }

    /// The `unmask train` config of this model under `preset`; from-scratch models use the
    /// preset's shared tokenizer in `tokenizer_dir`.
    pub fn train_config(
        &self,
        preset: &Preset,
        run_dir: &Path,
        tokenizer_dir: &Path,
    ) -> Result<TrainConfig> {
        let m = &preset.model;
        let t = &preset.train;
        let (model, lr) = match &self.init {
            Init::Scratch => (
                format!(
                    "init = \"scratch\"\narchitecture = \"{}\"\nhidden_size = {}\nnum_layers = {}\n\
                     num_heads = {}\nintermediate_size = {}\ndropout = {}\n",
                    self.architecture,
                    m.hidden_size,
                    m.num_layers,
                    m.num_heads,
                    m.intermediate_size,
                    m.dropout
                ),
                t.lr,
            ),
            Init::Pretrained(dir) => (
                format!(
                    "init = \"pretrained\"\nsource = {:?}\n",
                    dir.display().to_string()
                ),
                preset.pretrained.lr,
            ),
        };
        let text = format!(
            "[model]\n{model}\n[tokenizer]\nsource = {tokenizer:?}\nvocab_size = {vocab}\n\n\
             [data]\ncorpus = {corpus:?}\nblock_len = {block}\nprompt_len = {prompt}\n\n\
             [schedule]\nname = {schedule:?}\n\n\
             [optim]\nlr = {lr}\nwarmup_steps = {warmup}\ndecay = \"cosine\"\nweight_decay = 0.01\n\
             beta2 = 0.98\nbatch_size = {batch}\n\n\
             [run]\nsteps = {steps}\nout_dir = {out:?}\nseed = {seed}\nlog_every = 10\n\
             eval_every = {eval_every}\neval_batches = {eval_batches}\ncheckpoint_every = 0\n",
            tokenizer = tokenizer_dir.display().to_string(),
            vocab = m.vocab_size,
            corpus = preset.corpus,
            block = preset.data.block_len,
            prompt = preset.data.prompt_len,
            schedule = self.schedule,
            warmup = t.warmup_steps,
            batch = t.batch_size,
            steps = self.steps,
            out = run_dir.display().to_string(),
            seed = self.seed,
            eval_every = t.eval_every,
            eval_batches = t.eval_batches,
        );
        TrainConfig::from_toml(&text).map_err(anyhow::Error::msg)
    }
}

/// The byte-level BPE every from-scratch model of a preset shares (trained once on the
/// corpus's train split), so the corpus is tokenized once and per-token numbers compare.
pub fn shared_tokenizer(preset: &Preset, out: &Path) -> Result<PathBuf> {
    let dir = out.join(&preset.name).join("tokenizer");
    let stamp = dir.join("corpus.txt");
    let wanted = format!("{} {}", preset.corpus, preset.model.vocab_size);
    if dir.join("tokenizer.json").is_file()
        && std::fs::read_to_string(&stamp).is_ok_and(|s| s == wanted)
    {
        return Ok(dir);
    }
    let splits = unmask_train::data::load_splits(&preset.corpus)?;
    eprintln!(
        "training the shared byte-level BPE (vocab {}) on {} documents",
        preset.model.vocab_size,
        splits.train.len()
    );
    let tokenizer = unmask_text::train_byte_level_bpe(
        splits.train.iter().map(|d| d.text.as_str()),
        preset.model.vocab_size,
        2,
    )?;
    tokenizer.save(&dir)?;
    std::fs::write(&stamp, wanted)?;
    Ok(dir)
}

/// Where a preset's models live.
pub fn models_root(out: &Path, preset: &Preset) -> PathBuf {
    out.join(&preset.name).join("models")
}

const SUMMARY: &str = "experiment-model.json";

/// Trains `spec` unless a finished run with the same config is already on disk.
pub fn trained<B: AutodiffBackend>(
    spec: &ModelSpec,
    preset: &Preset,
    out: &Path,
    device: &B::Device,
) -> Result<TrainedModel> {
    let run_dir = models_root(out, preset).join(&spec.key);
    let config = spec.train_config(preset, &run_dir, &shared_tokenizer(preset, out)?)?;
    let summary_file = run_dir.join(SUMMARY);
    let same_config = std::fs::read_to_string(run_dir.join("config.toml"))
        .is_ok_and(|saved| saved == config.to_toml());
    if same_config && summary_file.is_file() {
        let text = std::fs::read_to_string(&summary_file)?;
        if let Ok(model) = serde_json::from_str::<TrainedModel>(&text) {
            eprintln!(
                "[{}] reusing the trained model in {}",
                spec.label,
                model.dir.display()
            );
            return Ok(model);
        }
    }
    if run_dir.exists() {
        std::fs::remove_dir_all(&run_dir)
            .with_context(|| format!("clearing the stale run {}", run_dir.display()))?;
    }
    eprintln!("[{}] training ({} steps)", spec.label, spec.steps);
    let options = TrainOptions {
        quiet: true,
        ..Default::default()
    };
    let summary = train::<B>(&config, device, &options)
        .with_context(|| format!("training {} in {}", spec.label, run_dir.display()))?;
    let model = TrainedModel {
        key: spec.key.clone(),
        label: spec.label.clone(),
        dir: final_model_dir(&run_dir),
        parameters: summary.parameters,
        steps: summary.steps_done,
        train_seconds: summary.elapsed.as_secs_f64(),
        tokens_per_s: summary.tokens_per_s,
        validation: summary.validation.clone(),
        schedule: spec.schedule.clone(),
        architecture: spec.architecture.to_string(),
    };
    // Remove the resumable checkpoint: a finished comparison model needs only final/.
    let _ = std::fs::remove_dir_all(unmask_train::state::checkpoint_dir(&run_dir));
    unmask_report::write_atomic(
        &summary_file,
        serde_json::to_string_pretty(&model)?.as_bytes(),
    )?;
    Ok(model)
}
