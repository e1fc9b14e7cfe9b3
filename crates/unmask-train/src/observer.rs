//! What a run records and saves while it trains, and when: the progress bar, the rows of
//! `metrics.csv`, validation, snapshots, checkpoints (every `run.checkpoint_every` steps,
//! at a stop and at the end) and the summary. The loop tells it what each step did; it
//! never changes the model.

use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use burn::module::AutodiffModule;
use burn::optim::Optimizer;
use burn::tensor::backend::AutodiffBackend;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::TrainConfig;
use crate::data::TrainData;
use crate::metrics::{BatchRecord, MetricsCsv, MetricsRow, Window};
use crate::objective::Objective;
use crate::state::{self, LoopState};
use crate::token_predictor::TokenPredictor;
use crate::trainer::{TrainOptions, TrainSummary, final_model_dir, snapshot_dir};
use crate::validation::validate;

/// What the loop trains with, lent to the observer for validation and saving.
pub struct RunContext<'a, B: AutodiffBackend, M: AutodiffModule<B>> {
    pub config: &'a TrainConfig,
    pub options: &'a TrainOptions,
    pub objective: &'a Objective,
    pub data: &'a TrainData,
    pub device: &'a B::Device,
    /// Writes the model as a Hugging Face directory (the final model, snapshots).
    pub save_model: &'a dyn Fn(&M::InnerModule, &Path) -> Result<()>,
}

/// Whether the loop goes on after a step.
pub enum Next {
    Continue,
    /// Stopped early (`stop_after`, or interrupted) after checkpointing.
    Stop,
}

pub struct TrainObserver<'a, B: AutodiffBackend, M: AutodiffModule<B>> {
    run: RunContext<'a, B, M>,
    progress: ProgressBar,
    csv: MetricsCsv,
    /// The logging window in progress (a resumed run continues the checkpoint's).
    window: Window,
    window_start: Instant,
    /// The last gradient norm computed (logged with each train row).
    grad_norm: f64,
    /// A due checkpoint, written once the next step's loss is seen finite.
    pending_checkpoint: Option<LoopState>,
    started: Instant,
    trained_tokens: u64,
    summary: TrainSummary,
}

impl<'a, B, M> TrainObserver<'a, B, M>
where
    B: AutodiffBackend,
    M: AutodiffModule<B> + TokenPredictor<B>,
    M::InnerModule: TokenPredictor<B::InnerBackend>,
{
    /// Opens metrics.csv (on resume, without the rows logged after the checkpoint, which
    /// this run logs again) and the progress bar of a run starting at `from`.
    pub fn start(run: RunContext<'a, B, M>, from: &LoopState, parameters: usize) -> Result<Self> {
        let config = run.config;
        let metrics_path = config.run.out_dir.join("metrics.csv");
        let csv = if run.options.resume {
            MetricsCsv::open_resumed(&metrics_path, from.step)?
        } else {
            MetricsCsv::open(&metrics_path)?
        };
        let progress = if run.options.quiet {
            ProgressBar::hidden()
        } else {
            let bar = ProgressBar::new(config.run.steps as u64).with_position(from.step as u64);
            bar.set_style(
                ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} steps  {msg}  [{elapsed_precise} < {eta_precise}]",
                )
                .expect("template"),
            );
            bar
        };
        eprintln!(
            "training {} parameters on {} train / {} validation blocks of {} tokens; {}",
            parameters,
            run.data.train.n_blocks(),
            run.data.validation.n_blocks(),
            config.data.block_len,
            run.objective.describe(),
        );
        Ok(Self {
            run,
            progress,
            csv,
            window: from.window.clone(),
            window_start: Instant::now(),
            grad_norm: 0.0,
            pending_checkpoint: None,
            started: Instant::now(),
            trained_tokens: 0,
            summary: TrainSummary {
                steps_done: from.step,
                first_loss: None,
                last_loss: None,
                validation: Vec::new(),
                tokens_per_s: 0.0,
                elapsed: Duration::ZERO,
                parameters,
                final_dir: None,
                interrupted: false,
            },
        })
    }

    /// The validation of the untrained model (step 0, when `run.eval_every` > 0).
    pub fn before_training(&mut self, step: usize, model: &M, lr: f64) -> Result<()> {
        if self.run.config.run.eval_every > 0 && step == 0 {
            self.evaluate(0, lr, model)?;
        }
        Ok(())
    }

    /// Whether the step that ends at `step` ends a logging window (its gradient norm is
    /// logged even when nothing is clipped).
    pub fn logs_at(&self, step: usize) -> bool {
        let run = &self.run.config.run;
        step.is_multiple_of(run.log_every.max(1)) || step == run.steps
    }

    /// The error of a run whose loss became `loss` at `step`: nothing more is saved.
    pub fn diverged(&self, step: usize, loss: f64) -> anyhow::Error {
        self.progress.abandon();
        anyhow!(
            "the training loss became {loss} at step {step}; stopping. {}; lower optim.lr or \
             raise optim.warmup_steps",
            last_good_checkpoint(&self.run.config.run.out_dir)
        )
    }

    /// Called between a step's finite loss and its update: writes the checkpoint that
    /// waited for it, of the weights before the update.
    pub fn before_update<O: Optimizer<M, B>>(&mut self, model: &M, optim: &O) -> Result<()> {
        if let Some(loop_state) = self.pending_checkpoint.take() {
            self.save_checkpoint(model, optim, &loop_state)?;
        }
        Ok(())
    }

    /// Records optimizer step `step` (1-based, done) trained at `lr` on `records`, then logs,
    /// validates, snapshots and checkpoints as the config's cadence says.
    pub fn after_step<O: Optimizer<M, B>>(
        &mut self,
        step: usize,
        lr: f64,
        records: &[BatchRecord],
        grad_norm: Option<f64>,
        model: &M,
        optim: &O,
    ) -> Result<Next> {
        let config = self.run.config;
        let o = &config.optim;
        for record in records {
            self.window.add(record);
        }
        if let Some(norm) = grad_norm {
            self.grad_norm = norm;
        }
        let tokens = (o.batch_size * o.grad_accum * config.data.block_len) as u64;
        self.trained_tokens += tokens;
        self.window.tokens += tokens;
        self.window.steps += 1;
        self.progress.set_position(step as u64);

        let run = &config.run;
        let last = step == run.steps;
        if self.logs_at(step) {
            self.log_window(step, lr)?;
        }
        if (run.eval_every > 0 && step.is_multiple_of(run.eval_every)) || last {
            self.evaluate(step, lr, model)?;
        }
        if run.snapshot_every > 0 && step.is_multiple_of(run.snapshot_every) && !last {
            (self.run.save_model)(&model.valid(), &snapshot_dir(&run.out_dir, step))?;
        }

        let interrupted = self.run.options.interrupt.load(Ordering::SeqCst);
        let stop_here = self.run.options.stop_after == Some(step) || interrupted;
        let loop_state = LoopState {
            step,
            seed: run.seed,
            last_loss: self.summary.last_loss,
            window: self.window.clone(),
        };
        if stop_here || last {
            self.save_checkpoint(model, optim, &loop_state)?;
        } else if run.checkpoint_every > 0 && step.is_multiple_of(run.checkpoint_every) {
            // Written once the next step's loss is seen finite: a checkpoint never holds the
            // weights of an update that broke the model.
            self.pending_checkpoint = Some(loop_state);
        }
        if !stop_here || last {
            return Ok(Next::Continue);
        }
        let why = if interrupted {
            "interrupted"
        } else {
            "stopped"
        };
        self.progress
            .abandon_with_message(format!("{why} after step {step}"));
        if interrupted {
            eprintln!(
                "interrupted after step {step}; checkpoint saved in {}; continue with --resume",
                state::checkpoint_dir(&run.out_dir).display()
            );
        }
        self.summary.interrupted = interrupted;
        Ok(Next::Stop)
    }

    /// The summary of a run stopped after `step`.
    pub fn stopped(self, step: usize) -> TrainSummary {
        self.summary_at(step)
    }

    /// Saves the trained model in `final/` and returns the summary.
    pub fn finish(self, step: usize, model: &M) -> Result<TrainSummary> {
        self.progress.finish();
        let final_dir = final_model_dir(&self.run.config.run.out_dir);
        (self.run.save_model)(&model.valid(), &final_dir)?;
        let mut summary = self.summary_at(step);
        summary.final_dir = Some(final_dir);
        Ok(summary)
    }

    fn summary_at(self, step: usize) -> TrainSummary {
        let mut summary = self.summary;
        summary.steps_done = step;
        summary.elapsed = self.started.elapsed();
        summary.tokens_per_s = self.trained_tokens as f64 / summary.elapsed.as_secs_f64().max(1e-9);
        summary
    }

    fn save_checkpoint<O: Optimizer<M, B>>(
        &self,
        model: &M,
        optim: &O,
        loop_state: &LoopState,
    ) -> Result<()> {
        let run = &self.run.config.run;
        state::save_keeping(&run.out_dir, model, optim, loop_state, run.keep_checkpoints)
    }

    /// The train row of the window ending at `step`; a new window starts.
    fn log_window(&mut self, step: usize, lr: f64) -> Result<()> {
        let window = std::mem::take(&mut self.window);
        let tps = window.tokens as f64 / self.window_start.elapsed().as_secs_f64().max(1e-9);
        self.window_start = Instant::now();
        let mean = window.mean_loss();
        self.summary.first_loss.get_or_insert(mean);
        self.summary.last_loss = Some(mean);
        self.progress.set_message(format!(
            "loss {mean:.3}  acc {:.3}  {tps:.0} tok/s",
            window.accuracy()
        ));
        if self.run.options.quiet {
            eprintln!(
                "step {step:>6}  loss {mean:.4}  acc {:.4}  lr {lr:.2e}  {tps:.0} tok/s",
                window.accuracy()
            );
        }
        self.csv.write(&MetricsRow {
            step,
            split: "train",
            loss: mean,
            accuracy: window.accuracy(),
            lr,
            tokens_per_s: tps,
            grad_norm: self.grad_norm,
            buckets: window.bucket_means(),
        })
    }

    /// Validation at `step`. A loss that is not finite means the weights are not: the run
    /// stops before that model is checkpointed or saved.
    fn evaluate(&mut self, step: usize, lr: f64, model: &M) -> Result<()> {
        let run = &self.run;
        let valid = validate(
            &model.valid(),
            run.objective,
            &run.data.validation,
            run.config,
            run.device,
        )?;
        let loss = valid.mean_loss();
        let line = format!(
            "step {step}: validation loss {loss:.4}  accuracy {:.4}",
            valid.accuracy()
        );
        if run.options.quiet {
            eprintln!("{line}");
        } else {
            self.progress.println(line);
        }
        if !loss.is_finite() {
            self.progress.abandon();
            anyhow::bail!(
                "the validation loss became {loss} at step {step}; stopping without saving \
                 that model. {}; lower optim.lr or raise optim.warmup_steps",
                last_good_checkpoint(&run.config.run.out_dir)
            );
        }
        self.summary.validation.push((step, loss));
        self.csv.write(&MetricsRow {
            step,
            split: "validation",
            loss,
            accuracy: valid.accuracy(),
            lr,
            tokens_per_s: 0.0,
            grad_norm: 0.0,
            buckets: valid.bucket_means(),
        })
    }
}

/// Where a diverged run's last good checkpoint is, for its error.
fn last_good_checkpoint(run_dir: &Path) -> String {
    let dir = state::checkpoint_dir(run_dir);
    match state::saved_step(run_dir) {
        Ok(Some(step)) => format!(
            "The last good checkpoint is in {} (step {step})",
            dir.display()
        ),
        _ => format!(
            "No checkpoint was written yet (it would be in {})",
            dir.display()
        ),
    }
}
