//! From a config to what the loop trains: the model (fresh, or loaded from a directory or
//! the Hub), the objective its batches follow, and the packed data. Corpora, tokenizers and
//! model sources are resolved here and nowhere else.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use burn::tensor::backend::{AutodiffBackend, Backend};
use unmask_gpt2::Gpt2LmHead;
use unmask_modernbert::{ModernBert, load_modernbert};
use unmask_nn::rng::{Purpose, derive_seed};
use unmask_roberta::{MaskedLm, load_masked_lm};
use unmask_schedule::{LossWeighting, Maskable, ScheduleContext, ScheduleRegistry, TimeSampler};
use unmask_text::{SpecialTokens, TextTokenizer};

use crate::batcher::DiffusionBatcher;
use crate::config::{Architecture, HeadBias, ModelSection, TrainConfig};
use crate::data::{CorpusSplits, TrainData, load_splits, pack, scratch_tokenizer};
use crate::fresh_init::{log_unigram, with_unigram_bias};
use crate::objective::Objective;
use crate::scratch_model::{ScratchSizes, gpt2_config, modernbert_config, roberta_config};
use crate::trainer::TrainOptions;

/// A model of one of the families the loop trains.
pub enum AnyModel<B: Backend> {
    Roberta(MaskedLm<B>),
    ModernBert(ModernBert<B>),
    Gpt2(Gpt2LmHead<B>),
}

impl<B: Backend> AnyModel<B> {
    /// Trained on next-token prediction rather than as a diffusion model.
    fn is_causal(&self) -> bool {
        match self {
            Self::Roberta(_) => false,
            Self::ModernBert(m) => m.config().causal,
            Self::Gpt2(_) => true,
        }
    }

    /// `(vocabulary size, positions)`.
    fn capacity(&self) -> (usize, usize) {
        match self {
            Self::Roberta(m) => (m.config().vocab_size, m.config().max_sequence_len()),
            Self::ModernBert(m) => (m.config().vocab_size, m.config().max_sequence_len()),
            Self::Gpt2(m) => (m.config().vocab_size, m.config().n_positions),
        }
    }
}

/// Everything a run trains with.
pub struct Built<B: Backend> {
    pub model: AnyModel<B>,
    pub objective: Objective,
    pub data: TrainData,
    /// Saved beside every model the run writes.
    pub tokenizer: TextTokenizer,
}

/// Builds the run `config` describes. Everything that can be checked without the corpus
/// (the schedule, its parameters, the weighting) is checked before the corpus is read.
pub fn build<B: AutodiffBackend>(
    config: &TrainConfig,
    options: &TrainOptions,
    device: &B::Device,
) -> Result<Built<B>> {
    let diffusion = if config_is_causal(config) {
        None
    } else {
        Some(DiffusionPlan::check(config, options)?)
    };
    let corpus = load_splits(&config.data.corpus)?;
    let run_dir = &config.run.out_dir;
    // Random weights (a fresh model, or a fresh MLM head on a checkpoint without one) are
    // drawn from burn's global RNG, seeded just before.
    let backend_seed = derive_seed(config.run.seed, Purpose::Backend, 0);
    let (tokenizer, model, fresh_head) = match &config.model {
        ModelSection::Pretrained { source, .. } => {
            let dir = options
                .model_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from(source));
            let tokenizer = TextTokenizer::from_dir(&dir)?;
            tokenizer.save(run_dir.join("tokenizer"))?;
            B::seed(device, backend_seed);
            let (model, fresh_head) = load_pretrained::<B>(&dir, device)?;
            (tokenizer, model, fresh_head)
        }
        ModelSection::Scratch { .. } => {
            let tokenizer = scratch_tokenizer(
                &config.tokenizer.source,
                config.tokenizer.vocab_size,
                &corpus.train,
                run_dir,
            )?;
            let model = init_scratch::<B>(config, &tokenizer, backend_seed, device)?;
            (tokenizer, model, true)
        }
    };
    let data = pack_for(&model, &corpus, &tokenizer, config.data.block_len)?;
    let special = tokenizer.special().clone();
    let (model, objective) = match diffusion {
        Some(plan) if !model.is_causal() => {
            let model = match head_bias(config) {
                HeadBias::Unigram if fresh_head => start_at_unigram(model, &data, &special),
                _ => model,
            };
            let objective = plan.objective(config, &special, &data, tokenizer.vocab_size())?;
            (model, objective)
        }
        _ => (
            model,
            Objective::NextToken {
                pad_id: special.pad,
            },
        ),
    };
    Ok(Built {
        model,
        objective,
        data,
        tokenizer,
    })
}

/// A from-scratch config that trains a causal LM (a checkpoint says what it is only once
/// loaded).
fn config_is_causal(config: &TrainConfig) -> bool {
    matches!(
        &config.model,
        ModelSection::Scratch {
            architecture: Architecture::Gpt2,
            ..
        } | ModelSection::Scratch { causal: true, .. }
    )
}

fn head_bias(config: &TrainConfig) -> HeadBias {
    match &config.model {
        ModelSection::Pretrained { head_bias, .. } | ModelSection::Scratch { head_bias, .. } => {
            *head_bias
        }
    }
}

/// A BERT/RoBERTa or ModernBERT directory (told apart by config.json's `model_type`) and
/// whether its MLM head is fresh.
fn load_pretrained<B: Backend>(dir: &Path, device: &B::Device) -> Result<(AnyModel<B>, bool)> {
    let loading = || format!("loading the model in {}", dir.display());
    let (model, report) = if unmask_nn::tensor_file::model_type(dir)? == "modernbert" {
        let (model, report) = load_modernbert::<B>(dir, device).with_context(loading)?;
        (AnyModel::ModernBert(model), report)
    } else {
        let (model, report) = load_masked_lm::<B>(dir, device).with_context(loading)?;
        (AnyModel::Roberta(model), report)
    };
    if report.fresh_head {
        eprintln!(
            "{}: no MLM head in the checkpoint; starting a fresh one",
            dir.display()
        );
    }
    Ok((model, report.fresh_head))
}

/// A fresh model of the `[model]` sizes, for the tokenizer's vocabulary.
fn init_scratch<B: Backend>(
    config: &TrainConfig,
    tokenizer: &TextTokenizer,
    seed: u64,
    device: &B::Device,
) -> Result<AnyModel<B>> {
    let ModelSection::Scratch {
        architecture,
        causal,
        hidden_size,
        num_layers,
        num_heads,
        intermediate_size,
        dropout,
        ..
    } = &config.model
    else {
        bail!("a pretrained model is loaded, not built from sizes");
    };
    let sizes = ScratchSizes {
        hidden: *hidden_size,
        layers: *num_layers,
        heads: *num_heads,
        ffn: *intermediate_size,
        dropout: *dropout,
        block_len: config.data.block_len,
    };
    Ok(match architecture {
        Architecture::Roberta => {
            let c = roberta_config(&sizes, tokenizer);
            c.validate()?;
            B::seed(device, seed);
            AnyModel::Roberta(c.init::<B>(device))
        }
        Architecture::ModernBert => {
            let c = modernbert_config(&sizes, tokenizer, *causal);
            c.validate()?;
            B::seed(device, seed);
            AnyModel::ModernBert(c.init::<B>(device)?)
        }
        Architecture::Gpt2 => {
            let c = gpt2_config(&sizes, tokenizer);
            c.validate()?;
            B::seed(device, seed);
            AnyModel::Gpt2(c.init::<B>(device)?)
        }
    })
}

/// The corpus in blocks of `block_len`, once the model is known to take them.
fn pack_for<B: Backend>(
    model: &AnyModel<B>,
    corpus: &CorpusSplits,
    tokenizer: &TextTokenizer,
    block_len: usize,
) -> Result<TrainData> {
    let (vocab, positions) = model.capacity();
    if vocab < tokenizer.vocab_size() {
        bail!(
            "the tokenizer has {} tokens but the model only {vocab}",
            tokenizer.vocab_size(),
        );
    }
    if block_len > positions {
        bail!("data.block_len {block_len} exceeds the model's {positions} positions");
    }
    pack(corpus, tokenizer, block_len)
}

/// A fresh MLM head's decoder bias at the train split's log-unigram (`fresh_init`).
fn start_at_unigram<B: Backend>(
    model: AnyModel<B>,
    data: &TrainData,
    special: &SpecialTokens,
) -> AnyModel<B> {
    let (vocab, _) = model.capacity();
    let bias = log_unigram(&data.train.token_counts(vocab), vocab, &special.ids());
    match model {
        AnyModel::Roberta(m) => AnyModel::Roberta(with_unigram_bias(m, &bias)),
        AnyModel::ModernBert(m) => AnyModel::ModernBert(with_unigram_bias(m, &bias)),
        causal @ AnyModel::Gpt2(_) => causal,
    }
}

/// The diffusion objective's settings, checked before the corpus is read.
struct DiffusionPlan {
    registry: ScheduleRegistry,
    weighting: LossWeighting,
    time: TimeSampler,
    /// The schedule needs the corpus's token counts (`spindle`, or a registered schedule
    /// that says so).
    needs_counts: bool,
}

impl DiffusionPlan {
    fn check(config: &TrainConfig, options: &TrainOptions) -> Result<Self> {
        let registry = options
            .registry
            .clone()
            .unwrap_or_else(ScheduleRegistry::with_builtins);
        let s = &config.schedule;
        let weighting = s.weighting;
        let time = TimeSampler::new(s.time_sampling, s.eps)?;
        let needs_counts = registry.needs_token_counts(&s.name)?;
        // A schedule that needs corpus counts is checked with a stand-in table: its
        // parameters and its weighting fail here, before the corpus is read.
        let context = if needs_counts {
            ScheduleContext::with_token_counts(vec![1])
        } else {
            ScheduleContext::default()
        };
        weighting.check(registry.build(&s.name, &context)?.as_ref())?;
        Ok(Self {
            registry,
            weighting,
            time,
            needs_counts,
        })
    }

    fn objective(
        self,
        config: &TrainConfig,
        special: &SpecialTokens,
        data: &TrainData,
        tokenizer_vocab: usize,
    ) -> Result<Objective> {
        let context = if self.needs_counts {
            ScheduleContext::with_token_counts(data.train.token_counts(tokenizer_vocab))
        } else {
            ScheduleContext::default()
        };
        let schedule = self.registry.build(&config.schedule.name, &context)?;
        Ok(Objective::Diffusion(DiffusionBatcher::new(
            schedule,
            self.weighting,
            self.time,
            Maskable::new(special.mask)
                .with_protected_ids(special.ids())
                .with_prompt_len(config.data.prompt_len),
        )?))
    }
}
