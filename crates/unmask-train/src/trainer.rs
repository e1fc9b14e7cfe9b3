//! The training loop: diffusion batches, AdamW with warmup and decay, global-norm
//! clipping, gradient accumulation, validation, metrics, resumable checkpoints.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use burn::module::AutodiffModule;
use burn::optim::{GradientsAccumulator, GradientsParams};
use burn::tensor::backend::{AutodiffBackend, Backend};
use indicatif::{ProgressBar, ProgressStyle};
use rand::seq::SliceRandom;
use unmask_gpt2::{Gpt2Config, Gpt2LmHead, save_gpt2};
use unmask_nn::rng::{Purpose, derive_seed, stream};
use unmask_roberta::{MaskedLm, MaskedLmConfig, load_masked_lm, save_masked_lm};
use unmask_schedule::{LossWeighting, ScheduleContext, ScheduleRegistry, TimeSampler};
use unmask_text::{PackedBlocks, TextTokenizer};

use crate::batcher::{DiffusionBatcher, Maskable, TrainBatch};
use crate::clip::clip_global_norm;
use crate::config::{Architecture, HeadBias, ModelSection, TrainConfig};
use crate::data::{TrainData, load_splits, pack, scratch_tokenizer};
use crate::fresh_init::{log_unigram, with_unigram_bias};
use crate::loss::target_loss;
use crate::lr::LrSchedule;
use crate::metrics::{MetricsCsv, MetricsRow, Window};
use crate::objective::Objective;
use crate::state::{self, LoopState};
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

/// The training examples in order: a fresh permutation of the blocks every epoch, derived
/// from the seed, so the position in the stream is all a resumed run needs.
struct BlockOrder {
    n: usize,
    seed: u64,
    epoch: Option<(usize, Vec<usize>)>,
}

impl BlockOrder {
    fn block_at(&mut self, sample: usize) -> usize {
        let epoch = sample / self.n;
        if self.epoch.as_ref().is_none_or(|(e, _)| *e != epoch) {
            let mut perm: Vec<usize> = (0..self.n).collect();
            perm.shuffle(&mut stream(self.seed, Purpose::BlockOrder, epoch as u64));
            self.epoch = Some((epoch, perm));
        }
        self.epoch.as_ref().expect("set above").1[sample % self.n]
    }
}

fn model_config(config: &TrainConfig, tokenizer: &TextTokenizer) -> Option<MaskedLmConfig> {
    let ModelSection::Scratch {
        hidden_size,
        num_layers,
        num_heads,
        intermediate_size,
        dropout,
        ..
    } = &config.model
    else {
        return None;
    };
    let special = tokenizer.special();
    let mut m = MaskedLmConfig::small_roberta(
        tokenizer.vocab_size(),
        *hidden_size,
        *num_layers,
        *num_heads,
        *intermediate_size,
        config.data.block_len,
    );
    m.pad_token_id = special.pad as usize;
    m.bos_token_id = Some(special.bos as usize);
    m.eos_token_id = Some(special.eos as usize);
    m.hidden_dropout_prob = *dropout;
    m.attention_probs_dropout_prob = *dropout;
    Some(m)
}

/// A GPT-2 of the config's sizes, for the tokenizer's vocabulary and the block length.
fn gpt2_config(config: &TrainConfig, tokenizer: &TextTokenizer) -> Gpt2Config {
    let ModelSection::Scratch {
        hidden_size,
        num_layers,
        num_heads,
        intermediate_size,
        dropout,
        ..
    } = &config.model
    else {
        unreachable!("gpt2 is only trained from scratch");
    };
    let special = tokenizer.special();
    let mut c = Gpt2Config::small(tokenizer.vocab_size());
    c.n_positions = config.data.block_len;
    c.n_embd = *hidden_size;
    c.n_layer = *num_layers;
    c.n_head = *num_heads;
    c.n_inner = Some(*intermediate_size);
    c.resid_pdrop = *dropout;
    c.embd_pdrop = *dropout;
    c.attn_pdrop = *dropout;
    c.bos_token_id = Some(special.bos);
    c.eos_token_id = Some(special.eos);
    c
}

/// Trains as `config` says; see [`TrainOptions`].
pub fn train<B: AutodiffBackend>(
    config: &TrainConfig,
    device: &B::Device,
    options: &TrainOptions,
) -> Result<TrainSummary> {
    config.validate().map_err(anyhow::Error::msg)?;
    let run_dir = &config.run.out_dir;
    // A run killed between the two renames of a checkpoint left only checkpoint.tmp/ or
    // checkpoint.old/: put the complete copy back first.
    if options.resume && !state::recover(run_dir)? {
        bail!("--resume: no checkpoint in {}", run_dir.display());
    }
    std::fs::create_dir_all(run_dir).with_context(|| format!("creating {}", run_dir.display()))?;
    unmask_io::write_atomic(&run_dir.join("config.toml"), config.to_toml().as_bytes())?;

    let causal = matches!(
        config.model,
        ModelSection::Scratch {
            architecture: Architecture::Gpt2,
            ..
        }
    );
    // Everything the run needs is checked before the (long) tokenizing and training.
    let registry = options
        .registry
        .clone()
        .unwrap_or_else(ScheduleRegistry::with_builtins);
    let weighting: LossWeighting = config.schedule.weighting.parse()?;
    let time = match config.schedule.time_sampling.as_str() {
        "iid" => TimeSampler::iid(config.schedule.eps)?,
        "antithetic" => TimeSampler::antithetic(config.schedule.eps)?,
        other => bail!("schedule.time_sampling `{other}`: use iid or antithetic"),
    };
    let schedule_name = config.schedule.name.as_str();
    let needs_counts = schedule_name.starts_with("spindle");
    if !causal {
        // A schedule that needs corpus counts is checked with a stand-in table: its
        // parameters and its weighting fail here, before the corpus is read.
        let context = if needs_counts {
            ScheduleContext::with_token_counts(vec![1])
        } else {
            ScheduleContext::default()
        };
        let schedule = registry.build(schedule_name, &context)?;
        weighting.check(schedule.as_ref())?;
    }

    let corpus = load_splits(&config.data.corpus)?;
    let tokenizer = match &config.model {
        ModelSection::Pretrained { source, .. } => {
            let dir = options
                .model_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(source));
            TextTokenizer::from_dir(&dir)?
        }
        ModelSection::Scratch { .. } => scratch_tokenizer(
            &config.tokenizer.source,
            config.tokenizer.vocab_size,
            &corpus.train,
            run_dir,
        )?,
    };
    let special = tokenizer.special().clone();
    let build_data = |vocab: usize, positions: usize| -> Result<TrainData> {
        if vocab < tokenizer.vocab_size() {
            bail!(
                "the tokenizer has {} tokens but the model only {vocab}",
                tokenizer.vocab_size(),
            );
        }
        if config.data.block_len > positions {
            bail!(
                "data.block_len {} exceeds the model's {positions} positions",
                config.data.block_len,
            );
        }
        pack(&corpus, &tokenizer, config.data.block_len)
    };

    if causal {
        let gpt2_config = gpt2_config(config, &tokenizer);
        gpt2_config.validate()?;
        let data = build_data(gpt2_config.vocab_size, gpt2_config.n_positions)?;
        B::seed(device, derive_seed(config.run.seed, Purpose::Backend, 0));
        let model = gpt2_config.init::<B>(device)?;
        let objective = Objective::NextToken {
            pad_id: special.pad,
        };
        let save = |model: &Gpt2LmHead<B::InnerBackend>, dir: &Path| -> Result<()> {
            save_gpt2(model, model.config(), dir)?;
            tokenizer.save(dir)?;
            Ok(())
        };
        return run_loop(model, &objective, &data, config, options, device, &save);
    }

    let (mut fresh_head, head_bias) = match &config.model {
        ModelSection::Pretrained { head_bias, .. } | ModelSection::Scratch { head_bias, .. } => {
            (true, *head_bias)
        }
    };
    let model: MaskedLm<B> = match &config.model {
        ModelSection::Pretrained { source, .. } => {
            let dir = options
                .model_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(source));
            // A checkpoint without an MLM head gets a fresh one: seeded like a scratch model.
            B::seed(device, derive_seed(config.run.seed, Purpose::Backend, 0));
            let (model, report) = load_masked_lm::<B>(&dir, device)
                .with_context(|| format!("loading the model in {}", dir.display()))?;
            fresh_head = report.fresh_head;
            if report.fresh_head {
                eprintln!(
                    "{}: no MLM head in the checkpoint; starting a fresh one",
                    dir.display()
                );
            }
            tokenizer.save(run_dir.join("tokenizer"))?;
            model
        }
        ModelSection::Scratch { .. } => {
            let model_config = model_config(config, &tokenizer).expect("scratch");
            model_config.validate()?;
            B::seed(device, derive_seed(config.run.seed, Purpose::Backend, 0));
            model_config.init::<B>(device)
        }
    };
    let data = build_data(model.config().vocab_size, model.config().max_sequence_len())?;
    let mut protected = vec![special.bos, special.eos, special.pad, special.mask];
    protected.extend(special.unk);
    let model = if fresh_head && head_bias == HeadBias::Unigram {
        let vocab = model.config().vocab_size;
        let counts = data.train.token_counts(vocab);
        with_unigram_bias(model, &log_unigram(&counts, vocab, &protected))
    } else {
        model
    };
    let context = if needs_counts {
        ScheduleContext::with_token_counts(data.train.token_counts(tokenizer.vocab_size()))
    } else {
        ScheduleContext::default()
    };
    let schedule = registry.build(schedule_name, &context)?;
    let objective = Objective::Diffusion(DiffusionBatcher::new(
        schedule,
        weighting,
        time,
        Maskable {
            mask_id: special.mask,
            protected_ids: protected,
            prompt_len: config.data.prompt_len,
        },
    )?);
    let save = |model: &MaskedLm<B::InnerBackend>, dir: &Path| -> Result<()> {
        save_masked_lm(model, dir)?;
        tokenizer.save(dir)?;
        Ok(())
    };
    run_loop(model, &objective, &data, config, options, device, &save)
}

/// The loop shared by every model family: batches from `objective`, AdamW, clipping,
/// accumulation, validation, metrics and checkpoints; `save_final` writes the finished model.
fn run_loop<B, M>(
    mut model: M,
    objective: &Objective,
    data: &TrainData,
    config: &TrainConfig,
    options: &TrainOptions,
    device: &B::Device,
    save_final: &dyn Fn(&M::InnerModule, &Path) -> Result<()>,
) -> Result<TrainSummary>
where
    B: AutodiffBackend,
    M: AutodiffModule<B> + TokenPredictor<B>,
    M::InnerModule: TokenPredictor<B::InnerBackend>,
{
    let run_dir = &config.run.out_dir;
    let o = &config.optim;
    // Weight decay is applied by parameter group in `adamw_step` (none on biases and
    // LayerNorms), not by burn's AdamW.
    let mut optim = weight_decay::adamw::<B, M>(o);
    let mut step = 0;
    if options.resume {
        let (m, opt, st) = state::load(run_dir, model, optim, device)?
            .context("the checkpoint disappeared while starting")?;
        model = m;
        optim = opt;
        step = st.step;
        if st.seed != config.run.seed {
            bail!(
                "the checkpoint was made with seed {}, the config says {}",
                st.seed,
                config.run.seed
            );
        }
        eprintln!("resuming from step {step}");
    }
    let parameters = model.num_params();
    let lr = LrSchedule {
        peak: o.lr,
        warmup: o.warmup_steps,
        total: config.run.steps,
        decay: o.decay,
    };
    let mut order = BlockOrder {
        n: data.train.n_blocks(),
        seed: config.run.seed,
        epoch: None,
    };
    let metrics_path = run_dir.join("metrics.csv");
    let mut csv = if options.resume {
        // Rows logged after the checkpoint are logged again by this run.
        MetricsCsv::open_resumed(&metrics_path, step)?
    } else {
        MetricsCsv::open(&metrics_path)?
    };
    let progress = if options.quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(config.run.steps as u64).with_position(step as u64);
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
        data.train.n_blocks(),
        data.validation.n_blocks(),
        config.data.block_len,
        objective.describe(),
    );

    let mut summary = TrainSummary {
        steps_done: step,
        first_loss: None,
        last_loss: None,
        validation: Vec::new(),
        tokens_per_s: 0.0,
        elapsed: Duration::ZERO,
        parameters,
        final_dir: None,
        interrupted: false,
    };
    let started = Instant::now();
    let mut trained_tokens = 0u64;
    let mut window = Window::default();
    let mut window_start = Instant::now();
    let mut grad_norm = 0.0;
    let block_len = config.data.block_len;
    let micro = o.batch_size;

    if config.run.eval_every > 0 && step == 0 {
        let valid = validate(&model.valid(), objective, &data.validation, config, device)?;
        report_validation(&progress, options.quiet, 0, &valid);
        summary.validation.push((0, valid.mean_loss()));
        csv.write(&validation_row(0, lr.at(0), &valid))?;
    }
    while step < config.run.steps {
        let mut accumulator = GradientsAccumulator::<M>::new();
        for k in 0..o.grad_accum {
            let m = step * o.grad_accum + k;
            let rows: Vec<&[u32]> = (0..micro)
                .map(|i| {
                    let b = order.block_at(m * micro + i);
                    data.train.block(b).expect("block index in range")
                })
                .collect();
            let mut rng = stream(config.run.seed, Purpose::TrainBatch, m as u64);
            let batch = objective.batch(&rows, &mut rng)?;
            B::seed(
                device,
                derive_seed(config.run.seed, Purpose::TrainForward, m as u64),
            );
            let out = target_loss(&model, &batch, device);
            let loss_value: f64 = out.loss.clone().into_scalar().elem();
            if !loss_value.is_finite() {
                progress.abandon();
                bail!(
                    "the training loss became {loss_value} at step {}; stopping. The last good \
                     checkpoint (if any) is in {}; lower optim.lr or raise optim.warmup_steps",
                    step + 1,
                    state::checkpoint_dir(run_dir).display()
                );
            }
            let grads = GradientsParams::from_grads(out.loss.backward(), &model);
            accumulator.accumulate(&model, grads);
            record_tokens(
                &mut window,
                &batch,
                out.nll,
                out.correct,
                loss_value / o.grad_accum as f64,
            )?;
            trained_tokens += (batch.batch * batch.seq) as u64;
        }
        let mut grads = accumulator.grads();
        if o.grad_accum > 1 {
            crate::clip::scale_all(&model, &mut grads, 1.0 / o.grad_accum as f64);
        }
        if o.grad_clip > 0.0 {
            grad_norm = clip_global_norm(&model, &mut grads, o.grad_clip);
        }
        let rate = lr.at(step);
        model = weight_decay::adamw_step(&mut optim, model, grads, rate, o.weight_decay);
        step += 1;
        window.steps += 1;
        window.tokens += (micro * o.grad_accum * block_len) as u64;
        progress.set_position(step as u64);

        let last = step == config.run.steps;
        if step % config.run.log_every.max(1) == 0 || last {
            let tps = window.tokens as f64 / window_start.elapsed().as_secs_f64().max(1e-9);
            let mean = window.mean_loss();
            summary.first_loss.get_or_insert(mean);
            summary.last_loss = Some(mean);
            progress.set_message(format!(
                "loss {mean:.3}  acc {:.3}  {tps:.0} tok/s",
                window.accuracy()
            ));
            if options.quiet {
                eprintln!(
                    "step {step:>6}  loss {mean:.4}  acc {:.4}  lr {rate:.2e}  {tps:.0} tok/s",
                    window.accuracy()
                );
            }
            csv.write(&MetricsRow {
                step,
                split: "train",
                loss: mean,
                accuracy: window.accuracy(),
                lr: rate,
                tokens_per_s: tps,
                grad_norm,
                buckets: window.bucket_means(),
            })?;
            window = Window::default();
            window_start = Instant::now();
        }
        if (config.run.eval_every > 0 && step % config.run.eval_every == 0) || last {
            let valid = validate(&model.valid(), objective, &data.validation, config, device)?;
            report_validation(&progress, options.quiet, step, &valid);
            summary.validation.push((step, valid.mean_loss()));
            csv.write(&validation_row(step, rate, &valid))?;
        }
        let interrupted = options.interrupt.load(Ordering::SeqCst);
        let stop_here = options.stop_after == Some(step) || interrupted;
        if (config.run.checkpoint_every > 0 && step % config.run.checkpoint_every == 0)
            || stop_here
            || last
        {
            state::save_keeping(
                run_dir,
                &model,
                &optim,
                &LoopState {
                    step,
                    seed: config.run.seed,
                    last_loss: summary.last_loss,
                },
                config.run.keep_checkpoints,
            )?;
        }
        if stop_here && !last {
            let why = if interrupted {
                "interrupted"
            } else {
                "stopped"
            };
            progress.abandon_with_message(format!("{why} after step {step}"));
            if interrupted {
                eprintln!(
                    "interrupted after step {step}; checkpoint saved in {}; continue with --resume",
                    state::checkpoint_dir(run_dir).display()
                );
            }
            summary.interrupted = interrupted;
            summary.steps_done = step;
            summary.elapsed = started.elapsed();
            summary.tokens_per_s = trained_tokens as f64 / summary.elapsed.as_secs_f64().max(1e-9);
            return Ok(summary);
        }
    }
    progress.finish();
    summary.steps_done = step;
    summary.elapsed = started.elapsed();
    summary.tokens_per_s = trained_tokens as f64 / summary.elapsed.as_secs_f64().max(1e-9);
    let final_dir = final_model_dir(run_dir);
    save_final(&model.valid(), &final_dir)?;
    summary.final_dir = Some(final_dir);
    Ok(summary)
}

use burn::tensor::ElementConversion;

fn validation_row(step: usize, lr: f64, valid: &Window) -> MetricsRow {
    MetricsRow {
        step,
        split: "validation",
        loss: valid.mean_loss(),
        accuracy: valid.accuracy(),
        lr,
        tokens_per_s: 0.0,
        grad_norm: 0.0,
        buckets: valid.bucket_means(),
    }
}

fn report_validation(progress: &ProgressBar, quiet: bool, step: usize, valid: &Window) {
    let line = format!(
        "step {step}: validation loss {:.4}  accuracy {:.4}",
        valid.mean_loss(),
        valid.accuracy()
    );
    if quiet {
        eprintln!("{line}");
    } else {
        progress.println(line);
    }
}

fn record_tokens<B: Backend>(
    window: &mut Window,
    batch: &TrainBatch,
    nll: burn::tensor::Tensor<B, 1>,
    correct: burn::tensor::Tensor<B, 1, burn::tensor::Int>,
    loss: f64,
) -> Result<()> {
    let nll = nll
        .into_data()
        .convert::<f32>()
        .into_vec::<f32>()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let correct = correct
        .into_data()
        .convert::<i64>()
        .into_vec::<i64>()
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let rows: Vec<usize> = batch
        .masked_positions
        .iter()
        .map(|p| p / batch.seq)
        .collect();
    window.add_tokens(&nll, &correct, &rows, &batch.mask_rates);
    window.loss_sum += loss;
    Ok(())
}

/// Validation loss over a fixed set of batches with fixed masks (the same every call), so
/// evaluations along a run are comparable.
pub fn validate<B: Backend, M: TokenPredictor<B>>(
    model: &M,
    objective: &Objective,
    blocks: &PackedBlocks,
    config: &TrainConfig,
    device: &B::Device,
) -> Result<Window> {
    let mut window = Window::default();
    let n = blocks.n_blocks();
    let batch_size = config.optim.batch_size;
    for k in 0..config.run.eval_batches {
        let rows: Vec<&[u32]> = (0..batch_size)
            .map(|i| blocks.block((k * batch_size + i) % n).expect("in range"))
            .collect();
        let mut rng = stream(config.run.seed, Purpose::EvalBatch, k as u64);
        let batch = objective.batch(&rows, &mut rng)?;
        let out = target_loss(model, &batch, device);
        let loss: f64 = out.loss.into_scalar().elem();
        record_tokens(&mut window, &batch, out.nll, out.correct, loss)?;
        window.steps += 1;
    }
    Ok(window)
}

/// The Hugging Face directory a finished run saved its model in.
pub fn final_model_dir(run_dir: &Path) -> PathBuf {
    run_dir.join("final")
}
