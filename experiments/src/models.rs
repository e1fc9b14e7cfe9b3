//! The models an experiment compares: trained once per preset and reused by every
//! experiment that asks for the same training config.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use burn::tensor::backend::AutodiffBackend;
use serde::{Deserialize, Serialize};
use unmask_schedule::LossWeighting;
use unmask_train::config::{
    DataSection, HeadBias, ModelSection, OptimSection, RunSection, ScheduleSection,
    TokenizerSection,
};
use unmask_train::{Architecture, TrainConfig, TrainOptions, train, trainer::final_model_dir};

use crate::preset::Preset;

/// What a model is, as one experiment row: a label, and how it is trained.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    /// Directory name under `<out>/<preset>/models/`.
    pub key: String,
    pub label: String,
    pub init: Init,
    /// `roberta` (a pretrained BERT-family encoder, diffusion / MLM), `modernbert` (the
    /// from-scratch diffusion / MLM backbone), `modernbert-causal` (the same network as the
    /// autoregressive baseline) or `gpt2`.
    pub architecture: &'static str,
    pub schedule: String,
    pub seed: u64,
    pub budget: RunBudget,
}

/// Steps, batch, block length and learning rate of one training run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunBudget {
    pub steps: usize,
    pub batch_size: usize,
    pub block_len: usize,
    pub lr: f64,
    pub warmup_steps: usize,
}

impl RunBudget {
    /// The `[train]` budget of the preset's from-scratch models.
    pub fn scratch(preset: &Preset) -> Self {
        let t = &preset.train;
        Self {
            steps: t.steps,
            batch_size: t.batch_size,
            block_len: preset.data.block_len,
            lr: t.lr,
            warmup_steps: t.warmup_steps,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Init {
    Scratch,
    Pretrained(PathBuf),
    /// The final weights of another model of the preset, trained first.
    Continue(Box<ModelSpec>),
}

impl PartialEq for ModelSpec {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
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

    /// The seed's path for the preset's models: `fixed:0.15` first, then continued with
    /// `linear` (`None` when the preset gives the continuation no steps).
    pub fn curriculum(preset: &Preset) -> Result<Option<Self>> {
        let base = Self::diffusion(preset, "fixed:0.15")?;
        let steps = match base.init {
            Init::Pretrained(_) => preset.pretrained_budget().curriculum_steps,
            _ => preset.train.curriculum_steps,
        };
        Ok((steps > 0).then(|| Self::continued(base, "linear", steps)))
    }

    /// A from-scratch diffusion model whatever the preset's `model.init`.
    pub fn scratch(preset: &Preset, schedule: &str) -> Self {
        Self {
            key: format!("scratch-{}", file_name(schedule)),
            label: schedule.to_string(),
            init: Init::Scratch,
            architecture: "modernbert",
            schedule: schedule.to_string(),
            seed: preset.seed,
            budget: RunBudget::scratch(preset),
        }
    }

    /// The autoregressive baseline: the from-scratch diffusion model's network with a causal
    /// mask, trained on next-token prediction with the same budget.
    pub fn causal(preset: &Preset) -> Self {
        Self {
            key: "scratch-causal".into(),
            label: "AR (causal ModernBERT)".into(),
            init: Init::Scratch,
            architecture: "modernbert-causal",
            schedule: "linear".into(),
            seed: preset.seed,
            budget: RunBudget::scratch(preset),
        }
    }

    pub fn evaluator(preset: &Preset) -> Self {
        Self {
            key: "evaluator-causal".into(),
            label: "evaluator (causal ModernBERT)".into(),
            init: Init::Scratch,
            architecture: "modernbert-causal",
            schedule: "linear".into(),
            seed: preset.evaluator.seed,
            budget: RunBudget {
                steps: preset.evaluator.steps,
                ..RunBudget::scratch(preset)
            },
        }
    }

    pub fn pretrained(preset: &Preset, dir: PathBuf, schedule: &str) -> Self {
        let p = preset.pretrained_budget();
        Self {
            key: format!("pretrained-{}", file_name(schedule)),
            label: format!("{schedule}, pretrained init"),
            init: Init::Pretrained(dir),
            architecture: "roberta",
            schedule: schedule.to_string(),
            seed: preset.seed,
            budget: RunBudget {
                steps: p.steps,
                batch_size: p.batch_size,
                block_len: p.block_len,
                lr: preset.pretrained.lr,
                warmup_steps: p.warmup_steps,
            },
        }
    }

    /// `base`'s final weights trained on for `steps` more steps with `schedule`.
    pub fn continued(base: ModelSpec, schedule: &str, steps: usize) -> Self {
        Self {
            key: format!("{}-then-{}", base.key, file_name(schedule)),
            label: match base.init {
                Init::Pretrained(_) => {
                    format!("{} then {schedule}, pretrained init", base.schedule)
                }
                _ => format!("{} then {schedule}", base.label),
            },
            architecture: base.architecture,
            schedule: schedule.to_string(),
            seed: base.seed,
            budget: RunBudget {
                steps,
                ..base.budget
            },
            init: Init::Continue(Box::new(base)),
        }
    }

    /// The `unmask train` config of this model under `preset`. From-scratch models use the
    /// preset's shared tokenizer in `tokenizer_dir`; `init_dir` is the checkpoint a
    /// pretrained or continued model starts from.
    pub fn train_config(
        &self,
        preset: &Preset,
        run_dir: &Path,
        tokenizer_dir: &Path,
        init_dir: Option<&Path>,
    ) -> Result<TrainConfig> {
        let m = &preset.model;
        let t = &preset.train;
        let model = match init_dir {
            None => ModelSection::Scratch {
                architecture: match self.architecture {
                    "gpt2" => Architecture::Gpt2,
                    "roberta" => Architecture::Roberta,
                    _ => Architecture::ModernBert,
                },
                causal: self.architecture == "modernbert-causal",
                hidden_size: m.hidden_size,
                num_layers: m.num_layers,
                num_heads: m.num_heads,
                intermediate_size: m.intermediate_size,
                dropout: m.dropout,
                head_bias: HeadBias::Unigram,
            },
            Some(dir) => ModelSection::Pretrained {
                source: dir.display().to_string(),
                head_bias: HeadBias::Unigram,
            },
        };
        let b = &self.budget;
        let mut data = DataSection::new(preset.corpus.clone());
        data.block_len = b.block_len;
        data.prompt_len = preset.data.prompt_len;
        let schedule = ScheduleSection {
            name: self.schedule.clone(),
            // BERT's fixed rate has no ELBO weight: it is always the mean over masked tokens.
            weighting: if self.schedule.starts_with("fixed") {
                LossWeighting::Uniform
            } else {
                t.weighting
            },
            ..ScheduleSection::default()
        };
        let optim = OptimSection {
            lr: b.lr,
            warmup_steps: b.warmup_steps,
            decay: t.decay,
            weight_decay: 0.01,
            beta2: 0.98,
            batch_size: b.batch_size,
            ..OptimSection::default()
        };
        let mut run = RunSection::new(b.steps, run_dir.to_path_buf());
        run.seed = self.seed;
        run.log_every = 10;
        run.eval_every = t.eval_every;
        run.eval_batches = t.eval_batches;
        run.checkpoint_every = 0;
        // From-scratch models keep four snapshots on the way, for the learning curves of
        // ar-vs-diffusion (held-out likelihood against training tokens).
        if matches!(self.init, Init::Scratch) && b.steps >= SNAPSHOTS {
            run.snapshot_every = b.steps / SNAPSHOTS;
        }
        let config = TrainConfig {
            model,
            tokenizer: TokenizerSection {
                source: tokenizer_dir.display().to_string(),
                vocab_size: m.vocab_size,
            },
            data,
            schedule,
            optim,
            run,
        };
        config.validate().map_err(anyhow::Error::msg)?;
        Ok(config)
    }
}

/// Snapshots a from-scratch model keeps during training (the last one is `final/`).
pub const SNAPSHOTS: usize = 4;

fn file_name(schedule: &str) -> String {
    schedule.replace([':', '/'], "_")
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

/// Renames `dir` to `<dir>.stale-<unix seconds>` (with `-2`, `-3`, ... when that is taken)
/// and returns the new path: what a model directory that cannot be reused becomes.
pub fn move_aside(dir: &Path) -> Result<PathBuf> {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let mut name = dir
        .file_name()
        .with_context(|| format!("{} names no directory", dir.display()))?
        .to_os_string();
    name.push(format!(".stale-{seconds}"));
    let mut target = dir.with_file_name(&name);
    let mut n = 1;
    while target.exists() {
        n += 1;
        let mut numbered = name.clone();
        numbered.push(format!("-{n}"));
        target = dir.with_file_name(numbered);
    }
    std::fs::rename(dir, &target).with_context(|| {
        format!(
            "moving the stale run {} aside to {}",
            dir.display(),
            target.display()
        )
    })?;
    Ok(target)
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
    let init_dir = match &spec.init {
        Init::Scratch => None,
        Init::Pretrained(dir) => Some(dir.clone()),
        Init::Continue(base) => Some(trained::<B>(base, preset, out, device)?.dir),
    };
    let config = spec.train_config(
        preset,
        &run_dir,
        &shared_tokenizer(preset, out)?,
        init_dir.as_deref(),
    )?;
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
        // Another config (or an unfinished run): hours of training are never deleted.
        let moved = move_aside(&run_dir)?;
        eprintln!(
            "[{}] {} was trained with another config or did not finish; moved it to {}",
            spec.label,
            run_dir.display(),
            moved.display()
        );
    }
    eprintln!("[{}] training ({} steps)", spec.label, spec.budget.steps);
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
    unmask_io::write_atomic(
        &summary_file,
        serde_json::to_string_pretty(&model)?.as_bytes(),
    )?;
    Ok(model)
}
