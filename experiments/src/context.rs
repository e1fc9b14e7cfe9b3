//! What every experiment of one invocation shares: the preset, the device, the held-out
//! text and prompts, and the evaluator (a causal LM).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use burn::tensor::backend::AutodiffBackend;
use unmask_eval::WordVocabulary;
use unmask_text::TextTokenizer;

use crate::compare::{Controls, Generated, ModelResult};
use crate::measure::{CausalModel, HeldOut, SampleScorer, Samples, train_vocabulary};
use crate::models::{self, ModelSpec, TrainedModel};
use crate::preset::Preset;

pub struct Context<B: AutodiffBackend> {
    pub preset: Preset,
    pub device: B::Device,
    /// `runs/` (or `--out`): models under `<out>/<preset>/models`, reports under
    /// `<out>/<experiment>-<preset>`.
    pub out: PathBuf,
    pub held_out: HeldOut,
    pub prompts: Vec<String>,
    /// The words of the train split: is a generated word a real one?
    pub vocabulary: WordVocabulary,
    /// Masked LMs measured so far, by model key: experiments that share a model share its
    /// measurement.
    pub measured: HashMap<String, ModelResult>,
    evaluator: Option<(TrainedModel, CausalModel<B::InnerBackend>)>,
}

impl<B: AutodiffBackend> Context<B> {
    pub fn new(preset: Preset, out: &Path, device: B::Device) -> Result<Self> {
        let held_out = HeldOut::load(&preset.corpus)?;
        let prompts = held_out.prompts(preset.eval.prompts, preset.eval.prompt_words)?;
        let vocabulary = train_vocabulary(&preset.corpus)?;
        Ok(Self {
            preset,
            device,
            out: out.to_path_buf(),
            held_out,
            prompts,
            vocabulary,
            measured: HashMap::new(),
            evaluator: None,
        })
    }

    /// Trains (or reuses) a model of this preset.
    pub fn trained(&self, spec: &ModelSpec) -> Result<TrainedModel> {
        models::trained::<B>(spec, &self.preset, &self.out, &self.device)
    }

    /// The evaluator: the preset's `evaluator.source` (a causal ModernBERT or GPT-2 directory), or one trained apart from every
    /// compared model (own seed, longer budget).
    pub fn evaluator(&mut self) -> Result<&mut CausalModel<B::InnerBackend>> {
        if self.evaluator.is_none() {
            let model = match &self.preset.evaluator.source {
                Some(dir) => TrainedModel::external("evaluator", dir.into()),
                None => self.trained(&ModelSpec::evaluator(&self.preset))?,
            };
            let loaded = CausalModel::load(&model.dir, &self.device)?;
            self.evaluator = Some((model, loaded));
        }
        Ok(&mut self.evaluator.as_mut().expect("set above").1)
    }

    pub fn evaluator_info(&self) -> Option<&TrainedModel> {
        self.evaluator.as_ref().map(|(m, _)| m)
    }

    /// Generative perplexity and diversity of samples decoded by `generator`.
    pub fn score(&mut self, generator: &TextTokenizer, samples: Samples) -> Result<Generated> {
        self.sample_scorer()?.score(generator, samples)
    }

    fn sample_scorer(&mut self) -> Result<SampleScorer<'_, B::InnerBackend>> {
        self.evaluator()?;
        Ok(SampleScorer {
            evaluator: &mut self.evaluator.as_mut().expect("loaded above").1,
            vocabulary: &self.vocabulary,
        })
    }

    /// The two rows every sample is read against: real held-out text (`n` stretches of
    /// `words` words spread over the held-out split) and the same texts with their words
    /// shuffled within each sample, scored like samples.
    pub fn controls(&mut self, n: usize, words: usize) -> Result<Controls> {
        self.evaluator()?;
        let mut scorer = SampleScorer {
            evaluator: &mut self.evaluator.as_mut().expect("loaded above").1,
            vocabulary: &self.vocabulary,
        };
        scorer.controls(&self.held_out, n, words, self.preset.seed)
    }

    pub fn report_dir(&self, experiment: &str) -> PathBuf {
        self.out.join(format!("{experiment}-{}", self.preset.name))
    }
}
