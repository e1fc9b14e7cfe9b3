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
use unmask_modernbert::{ModernBert, ModernBertConfig, load_modernbert, save_modernbert};
use unmask_nn::rng::{Purpose, derive_seed, stream};
use unmask_roberta::{MaskedLm, MaskedLmConfig, load_masked_lm, save_masked_lm};
use unmask_schedule::{LossWeighting, ScheduleContext, ScheduleRegistry, TimeSampler};
use unmask_text::{PackedBlocks, TextTokenizer};

use crate::batcher::{DiffusionBatcher, Maskable, TrainBatch};
use crate::clip::clip_global_norm;
use crate::config::{Architecture, HeadBias, ModelSection, TrainConfig};
use crate::data::{TrainData, load_splits, pack, scratch_tokenizer};
use crate::fresh_init::{DecoderBias, log_unigram, with_unigram_bias};
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

/// The sizes of a model trained from scratch (`[model]` with `init = "scratch"`).
struct ScratchSizes {
    hidden: usize,
    layers: usize,
    heads: usize,
    ffn: usize,
    dropout: f64,
}

fn scratch_sizes(config: &TrainConfig) -> ScratchSizes {
    let ModelSection::Scratch {
        hidden_size,
        num_layers,
        num_heads,
        intermediate_size,
        dropout,
        ..
    } = &config.model
    else {
        unreachable!("only scratch models are built from sizes");
    };
    ScratchSizes {
        hidden: *hidden_size,
        layers: *num_layers,
        heads: *num_heads,
        ffn: *intermediate_size,
        dropout: *dropout,
    }
}

/// A RoBERTa of the config's sizes, for the tokenizer's vocabulary and the block length.
fn roberta_config(config: &TrainConfig, tokenizer: &TextTokenizer) -> MaskedLmConfig {
    let z = scratch_sizes(config);
    let special = tokenizer.special();
    let mut m = MaskedLmConfig::small_roberta(
        tokenizer.vocab_size(),
        z.hidden,
        z.layers,
        z.heads,
        z.ffn,
        config.data.block_len,
    );
    m.pad_token_id = special.pad as usize;
    m.bos_token_id = Some(special.bos as usize);
    m.eos_token_id = Some(special.eos as usize);
    m.hidden_dropout_prob = z.dropout;
    m.attention_probs_dropout_prob = z.dropout;
    m
}

/// A GPT-2 of the config's sizes, for the tokenizer's vocabulary and the block length.
fn gpt2_config(config: &TrainConfig, tokenizer: &TextTokenizer) -> Gpt2Config {
    let z = scratch_sizes(config);
    let special = tokenizer.special();
    let mut c = Gpt2Config::small(tokenizer.vocab_size());
    c.n_positions = config.data.block_len;
    c.n_embd = z.hidden;
    c.n_layer = z.layers;
    c.n_head = z.heads;
    c.n_inner = Some(z.ffn);
    c.resid_pdrop = z.dropout;
    c.embd_pdrop = z.dropout;
    c.attn_pdrop = z.dropout;
    c.bos_token_id = Some(special.bos);
    c.eos_token_id = Some(special.eos);
    c
}

/// A ModernBERT of the config's sizes: global attention in every layer, positions up to the
/// block length, the tokenizer's special ids.
fn modernbert_config(config: &TrainConfig, tokenizer: &TextTokenizer) -> ModernBertConfig {
    let z = scratch_sizes(config);
    let special = tokenizer.special();
    let mut c = ModernBertConfig::small(
        tokenizer.vocab_size(),
        z.hidden,
        z.layers,
        z.heads,
        z.ffn,
        config.data.block_len,
    );
    c.pad_token_id = special.pad as usize;
    c.bos_token_id = Some(special.bos as usize);
    c.eos_token_id = Some(special.eos as usize);
    c.cls_token_id = Some(special.bos as usize);
    c.sep_token_id = Some(special.eos as usize);
    c.mask_token_id = Some(special.mask as usize);
    c.embedding_dropout = z.dropout;
    c.attention_dropout = z.dropout;
    c.mlp_dropout = z.dropout;
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
    let run_dir = &config.run.out_dir;

    let (architecture, causal_switch) = match &config.model {
        ModelSection::Scratch {
            architecture,
            causal,
            ..
        } => (Some(*architecture), *causal),
        // A checkpoint says what it is (config.json's model_type).
        ModelSection::Pretrained { .. } => (None, false),
    };
    let causal = architecture == Some(Architecture::Gpt2) || causal_switch;
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
    let needs_counts = !causal && registry.needs_token_counts(schedule_name)?;
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
    let pretrained_dir = match &config.model {
        ModelSection::Pretrained { source, .. } => Some(
            options
                .model_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(source)),
        ),
        ModelSection::Scratch { .. } => None,
    };
    let tokenizer = match &pretrained_dir {
        Some(dir) => TextTokenizer::from_dir(dir)?,
        None => scratch_tokenizer(
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
    let save_tokenizer = |dir: &Path| -> Result<()> {
        tokenizer.save(dir)?;
        Ok(())
    };
    let head_bias = match &config.model {
        ModelSection::Pretrained { head_bias, .. } | ModelSection::Scratch { head_bias, .. } => {
            *head_bias
        }
    };
    let mut protected = vec![special.bos, special.eos, special.pad, special.mask];
    protected.extend(special.unk);
    let masked = MaskedRun {
        config,
        options,
        registry: &registry,
        weighting,
        time,
        protected,
        mask_id: special.mask,
        head_bias,
        needs_counts,
        tokenizer_vocab: tokenizer.vocab_size(),
    };
    let next_token = Objective::NextToken {
        pad_id: special.pad,
    };
    let backend_seed = derive_seed(config.run.seed, Purpose::Backend, 0);

    if let Some(dir) = &pretrained_dir {
        // A checkpoint without an MLM head gets a fresh one: seeded like a scratch model.
        B::seed(device, backend_seed);
        let loading = || format!("loading the model in {}", dir.display());
        let announce = |fresh_head: bool| {
            if fresh_head {
                eprintln!(
                    "{}: no MLM head in the checkpoint; starting a fresh one",
                    dir.display()
                );
            }
        };
        tokenizer.save(run_dir.join("tokenizer"))?;
        if unmask_nn::tensor_file::model_type(dir)? == "modernbert" {
            let (model, report) = load_modernbert::<B>(dir, device).with_context(loading)?;
            announce(report.fresh_head);
            if model.config().causal {
                let data =
                    build_data(model.config().vocab_size, model.config().max_sequence_len())?;
                let save = |m: &ModernBert<B::InnerBackend>, d: &Path| -> Result<()> {
                    save_modernbert(m, d)?;
                    save_tokenizer(d)
                };
                return run_loop(model, &next_token, &data, config, options, device, &save);
            }
            let data = build_data(model.config().vocab_size, model.config().max_sequence_len())?;
            let save = |m: &ModernBert<B::InnerBackend>, d: &Path| -> Result<()> {
                save_modernbert(m, d)?;
                save_tokenizer(d)
            };
            return masked.run(model, report.fresh_head, &data, device, &save);
        }
        let (model, report) = load_masked_lm::<B>(dir, device).with_context(loading)?;
        announce(report.fresh_head);
        let data = build_data(model.config().vocab_size, model.config().max_sequence_len())?;
        let save = |m: &MaskedLm<B::InnerBackend>, d: &Path| -> Result<()> {
            save_masked_lm(m, d)?;
            save_tokenizer(d)
        };
        return masked.run(model, report.fresh_head, &data, device, &save);
    }

    match architecture.expect("a scratch model names its architecture") {
        Architecture::Gpt2 => {
            let gpt2_config = gpt2_config(config, &tokenizer);
            gpt2_config.validate()?;
            let data = build_data(gpt2_config.vocab_size, gpt2_config.n_positions)?;
            B::seed(device, backend_seed);
            let model = gpt2_config.init::<B>(device)?;
            let save = |model: &Gpt2LmHead<B::InnerBackend>, dir: &Path| -> Result<()> {
                save_gpt2(model, model.config(), dir)?;
                save_tokenizer(dir)
            };
            run_loop(model, &next_token, &data, config, options, device, &save)
        }
        Architecture::ModernBert => {
            let mut model_config = modernbert_config(config, &tokenizer);
            model_config.causal = causal_switch;
            model_config.validate()?;
            let data = build_data(model_config.vocab_size, model_config.max_sequence_len())?;
            B::seed(device, backend_seed);
            let model = model_config.init::<B>(device)?;
            let save = |m: &ModernBert<B::InnerBackend>, d: &Path| -> Result<()> {
                save_modernbert(m, d)?;
                save_tokenizer(d)
            };
            if causal_switch {
                // The AR baseline: no MLM-head bias trick, the same start as GPT-2.
                run_loop(model, &next_token, &data, config, options, device, &save)
            } else {
                masked.run(model, true, &data, device, &save)
            }
        }
        Architecture::Roberta => {
            let model_config = roberta_config(config, &tokenizer);
            model_config.validate()?;
            let data = build_data(model_config.vocab_size, model_config.max_sequence_len())?;
            B::seed(device, backend_seed);
            let model = model_config.init::<B>(device);
            let save = |m: &MaskedLm<B::InnerBackend>, d: &Path| -> Result<()> {
                save_masked_lm(m, d)?;
                save_tokenizer(d)
            };
            masked.run(model, true, &data, device, &save)
        }
    }
}

/// What training a masked LM as a diffusion model needs beyond the model and its data.
struct MaskedRun<'a> {
    config: &'a TrainConfig,
    options: &'a TrainOptions,
    registry: &'a ScheduleRegistry,
    weighting: LossWeighting,
    time: TimeSampler,
    /// Special tokens: never masked, never predicted.
    protected: Vec<u32>,
    mask_id: u32,
    head_bias: HeadBias,
    /// The schedule needs the corpus's token counts (over the tokenizer's vocabulary).
    needs_counts: bool,
    tokenizer_vocab: usize,
}

impl MaskedRun<'_> {
    fn run<B, M>(
        &self,
        model: M,
        fresh_head: bool,
        data: &TrainData,
        device: &B::Device,
        save: &dyn Fn(&M::InnerModule, &Path) -> Result<()>,
    ) -> Result<TrainSummary>
    where
        B: AutodiffBackend,
        M: AutodiffModule<B> + TokenPredictor<B> + DecoderBias<B>,
        M::InnerModule: TokenPredictor<B::InnerBackend>,
    {
        let vocab = model.vocab_size();
        let model = if fresh_head && self.head_bias == HeadBias::Unigram {
            let counts = data.train.token_counts(vocab);
            with_unigram_bias(model, &log_unigram(&counts, vocab, &self.protected))
        } else {
            model
        };
        let context = if self.needs_counts {
            ScheduleContext::with_token_counts(data.train.token_counts(self.tokenizer_vocab))
        } else {
            ScheduleContext::default()
        };
        let schedule = self.registry.build(&self.config.schedule.name, &context)?;
        let objective = Objective::Diffusion(DiffusionBatcher::new(
            schedule,
            self.weighting,
            self.time,
            Maskable {
                mask_id: self.mask_id,
                protected_ids: self.protected.clone(),
                prompt_len: self.config.data.prompt_len,
            },
        )?);
        run_loop(
            model,
            &objective,
            data,
            self.config,
            self.options,
            device,
            save,
        )
    }
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
    let mut window = Window::default();
    if options.resume {
        let (m, opt, st) = state::load(run_dir, model, optim, device)?
            .context("the checkpoint disappeared while starting")?;
        model = m;
        optim = opt;
        step = st.step;
        window = st.window;
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
    let mut window_start = Instant::now();
    let mut grad_norm = 0.0;
    let mut pending_checkpoint: Option<LoopState> = None;
    let block_len = config.data.block_len;
    let micro = o.batch_size;

    if config.run.eval_every > 0 && step == 0 {
        let valid = validate(&model.valid(), objective, &data.validation, config, device)?;
        report_validation(&progress, options.quiet, 0, &valid);
        check_validation(&progress, 0, &valid, run_dir)?;
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
                    "the training loss became {loss_value} at step {}; stopping. {}; lower \
                     optim.lr or raise optim.warmup_steps",
                    step + 1,
                    last_good_checkpoint(run_dir)
                );
            }
            if let Some(loop_state) = pending_checkpoint.take() {
                state::save_keeping(
                    run_dir,
                    &model,
                    &optim,
                    &loop_state,
                    config.run.keep_checkpoints,
                )?;
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
        } else if (step + 1) % config.run.log_every.max(1) == 0 || step + 1 == config.run.steps {
            // Not clipped, but logged: the norm of the step that ends a logging window.
            grad_norm = clip_global_norm(&model, &mut grads, f64::INFINITY);
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
            check_validation(&progress, step, &valid, run_dir)?;
            summary.validation.push((step, valid.mean_loss()));
            csv.write(&validation_row(step, rate, &valid))?;
        }
        if config.run.snapshot_every > 0 && step % config.run.snapshot_every == 0 && !last {
            save_final(&model.valid(), &snapshot_dir(run_dir, step))?;
        }
        let interrupted = options.interrupt.load(Ordering::SeqCst);
        let stop_here = options.stop_after == Some(step) || interrupted;
        let loop_state = LoopState {
            step,
            seed: config.run.seed,
            last_loss: summary.last_loss,
            window: window.clone(),
        };
        if stop_here || last {
            state::save_keeping(
                run_dir,
                &model,
                &optim,
                &loop_state,
                config.run.keep_checkpoints,
            )?;
        } else if config.run.checkpoint_every > 0 && step % config.run.checkpoint_every == 0 {
            // Written once the next step's loss is seen finite: a checkpoint never holds the
            // weights of an update that broke the model.
            pending_checkpoint = Some(loop_state);
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

/// A validation loss that is not finite means the weights are: the run stops before that
/// model is checkpointed or saved as final.
fn check_validation(
    progress: &ProgressBar,
    step: usize,
    valid: &Window,
    run_dir: &Path,
) -> Result<()> {
    let loss = valid.mean_loss();
    if !loss.is_finite() {
        progress.abandon();
        bail!(
            "the validation loss became {loss} at step {step}; stopping without saving that \
             model. {}; lower optim.lr or raise optim.warmup_steps",
            last_good_checkpoint(run_dir)
        );
    }
    Ok(())
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

/// The Hugging Face directory of the model after `step` steps (`run.snapshot_every`).
pub fn snapshot_dir(run_dir: &Path, step: usize) -> PathBuf {
    run_dir.join("snapshots").join(format!("step-{step}"))
}

/// The Hugging Face directory a finished run saved its model in.
pub fn final_model_dir(run_dir: &Path) -> PathBuf {
    run_dir.join("final")
}
