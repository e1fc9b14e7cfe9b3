//! `train`: a run from its config to its final model. [`build`](crate::build) makes the
//! model, objective and data; each optimizer step is [`step`](crate::step)'s; the
//! [`observer`](crate::observer) logs, validates, snapshots and checkpoints along the way.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use burn::module::AutodiffModule;
use burn::tensor::backend::AutodiffBackend;
use unmask_gpt2::save_gpt2;
use unmask_modernbert::save_modernbert;
use unmask_roberta::save_masked_lm;
use unmask_schedule::ScheduleRegistry;

use crate::block_order::BlockOrder;
use crate::build::{AnyModel, Built, build};
use crate::config::TrainConfig;
use crate::data::TrainData;
use crate::lr::LrSchedule;
use crate::objective::Objective;
use crate::observer::{Next, RunContext, TrainObserver};
use crate::state::{self, LoopState};
use crate::step::{Gradients, gradients, micro_batches, update};
use crate::token_predictor::TokenPredictor;
use crate::weight_decay;

/// How to run, beyond the config file.
#[derive(Debug, Clone, Default)]
pub struct TrainOptions {
    /// Continue from `out_dir/checkpoint`.
    pub resume: bool,
    /// Stop (after checkpointing) once this many steps are done: simulates a killed run.
    pub stop_after: Option<usize>,
    /// No progress bar.
    pub quiet: bool,
    /// The local directory of a pretrained `model.source` (default: the source as a path).
    pub model_dir: Option<PathBuf>,
    /// Schedules by name (default: the built-ins); register your own to train with them.
    pub registry: Option<ScheduleRegistry>,
    /// Set it (from a Ctrl-C handler, another thread, a test) to stop the run cleanly: the
    /// loop checks it between optimizer steps, checkpoints the step it has reached and
    /// returns with [`TrainSummary::interrupted`] set. Modeled on burn-train's Interrupter.
    pub interrupt: Arc<AtomicBool>,
}

/// What a finished (or stopped) run reports.
#[derive(Debug, Clone)]
pub struct TrainSummary {
    pub steps_done: usize,
    /// Mean training loss of the first and last logging windows of this invocation.
    pub first_loss: Option<f64>,
    pub last_loss: Option<f64>,
    /// `(step, validation loss)` of every evaluation.
    pub validation: Vec<(usize, f64)>,
    pub tokens_per_s: f64,
    pub elapsed: Duration,
    pub parameters: usize,
    /// The final model in the Hugging Face layout (None when stopped early).
    pub final_dir: Option<PathBuf>,
    /// The run stopped because [`TrainOptions::interrupt`] was set (after checkpointing).
    pub interrupted: bool,
}

/// Trains as `config` says; see [`TrainOptions`].
pub fn train<B: AutodiffBackend>(
    config: &TrainConfig,
    device: &B::Device,
    options: &TrainOptions,
) -> Result<TrainSummary> {
    config.validate().map_err(anyhow::Error::msg)?;
    let run_dir = &config.run.out_dir;
    let created = !run_dir.exists();
    // No new run over an old one, no resume with another config, one training per
    // directory (held until this function returns); config.toml is written only then.
    let result = crate::run_dir::prepare(config, options.resume).and_then(|lock| {
        train_in_run_dir::<B>(config, device, options).map(|summary| (lock, summary))
    });
    match result {
        Ok((_lock, summary)) => Ok(summary),
        Err(error) => {
            if created {
                crate::run_dir::remove_refused(run_dir);
            }
            Err(error)
        }
    }
}

/// [`train`] once the run directory is accepted and locked.
fn train_in_run_dir<B: AutodiffBackend>(
    config: &TrainConfig,
    device: &B::Device,
    options: &TrainOptions,
) -> Result<TrainSummary> {
    let Built {
        model,
        objective,
        data,
        tokenizer,
    } = build::<B>(config, options, device)?;
    let with_tokenizer = |dir: &Path| -> Result<()> {
        tokenizer.save(dir)?;
        Ok(())
    };
    let with = TrainedWith {
        config,
        options,
        objective: &objective,
        data: &data,
        device,
    };
    match model {
        AnyModel::Roberta(model) => run_loop(model, &with, &|m, dir| {
            save_masked_lm(m, dir)?;
            with_tokenizer(dir)
        }),
        AnyModel::ModernBert(model) => run_loop(model, &with, &|m, dir| {
            save_modernbert(m, dir)?;
            with_tokenizer(dir)
        }),
        AnyModel::Gpt2(model) => run_loop(model, &with, &|m, dir| {
            save_gpt2(m, m.config(), dir)?;
            with_tokenizer(dir)
        }),
    }
}

/// What a model is trained with.
struct TrainedWith<'a, B: AutodiffBackend> {
    config: &'a TrainConfig,
    options: &'a TrainOptions,
    objective: &'a Objective,
    data: &'a TrainData,
    device: &'a B::Device,
}

/// The loop every model family shares: from the start (or the checkpoint) to
/// `run.steps`, one optimizer step at a time; `save_model` writes a Hugging Face directory.
fn run_loop<B, M>(
    mut model: M,
    with: &TrainedWith<'_, B>,
    save_model: &dyn Fn(&M::InnerModule, &Path) -> Result<()>,
) -> Result<TrainSummary>
where
    B: AutodiffBackend,
    M: AutodiffModule<B> + TokenPredictor<B>,
    M::InnerModule: TokenPredictor<B::InnerBackend>,
{
    let TrainedWith {
        config,
        options,
        objective,
        data,
        device,
    } = *with;
    // Weight decay is applied by parameter group in `step::update` (none on biases and
    // LayerNorms), not by burn's AdamW.
    let mut optim = weight_decay::adamw::<B, M>(&config.optim);
    let mut from = LoopState {
        step: 0,
        seed: config.run.seed,
        last_loss: None,
        window: Default::default(),
    };
    if options.resume {
        (model, optim, from) = state::load(&config.run.out_dir, model, optim, device)?
            .context("the checkpoint disappeared while starting")?;
        if from.seed != config.run.seed {
            bail!(
                "the checkpoint was made with seed {}, the config says {}",
                from.seed,
                config.run.seed
            );
        }
        eprintln!("resuming from step {}", from.step);
    }
    let lr = LrSchedule {
        peak: config.optim.lr,
        warmup: config.optim.warmup_steps,
        total: config.run.steps,
        decay: config.optim.decay,
    };
    let mut order = BlockOrder::new(data.train.n_blocks(), config.run.seed);
    let context = RunContext {
        config,
        options,
        objective,
        data,
        device,
        save_model,
    };
    let mut observer = TrainObserver::start(context, &from, model.num_params())?;
    let mut step = from.step;
    observer.before_training(step, &model, lr.at(0))?;
    while step < config.run.steps {
        let batches = micro_batches(step, &mut order, data, objective, config)?;
        let norm_wanted = observer.logs_at(step + 1);
        let computed = match gradients(&model, &batches, config, norm_wanted, device)? {
            Gradients::Finite(computed) => computed,
            Gradients::NonFinite { loss } => return Err(observer.diverged(step + 1, loss)),
        };
        observer.before_update(&model, &optim)?;
        let rate = lr.at(step);
        model = update(&mut optim, model, computed.grads, rate, config);
        step += 1;
        let next = observer.after_step(
            step,
            rate,
            &computed.records,
            computed.grad_norm,
            &model,
            &optim,
        )?;
        if let Next::Stop = next {
            return Ok(observer.stopped(step));
        }
    }
    observer.finish(step, &model)
}

/// The Hugging Face directory of the model after `step` steps (`run.snapshot_every`).
pub fn snapshot_dir(run_dir: &Path, step: usize) -> PathBuf {
    run_dir.join("snapshots").join(format!("step-{step}"))
}

/// The Hugging Face directory a finished run saved its model in.
pub fn final_model_dir(run_dir: &Path) -> PathBuf {
    run_dir.join("final")
}
