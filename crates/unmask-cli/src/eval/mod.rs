//! `unmask eval`: how good is a model on a corpus, in the numbers the experiments report,
//! computed by the same code (`unmask_runtime::measure`). A masked LM gets the ELBO bound
//! (per token and per word) and loss at each mask rate; a causal LM its NLL per token and per
//! word on the same blocks; with `--generate N` either also gets samples scored by an
//! evaluator beside real held-out text and its shuffled-words control.

mod progress;
pub mod report;
pub mod result;

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use burn::tensor::backend::{AutodiffBackend, Backend};
use unmask_runtime::causal_lm::is_causal;
use unmask_runtime::device::BackendJob;
use unmask_runtime::measure::{
    self, CausalModel, HeldOut, HeldOutOptions, MaskedModel, SampleScorer, Samples,
};
use unmask_sampler::{PolicyKind, Sampler, SamplerConfig};
use unmask_text::TextTokenizer;

use crate::decoding::BlockDecoding;
use crate::eval::progress::Progress;
pub use crate::eval::result::{EvalResult, GenerationResult, Likelihood};

/// Samples to draw and how, and the causal LM that scores them.
#[derive(Debug, Clone)]
pub struct GenerationRequest {
    pub samples: usize,
    /// Tokens per sample.
    pub length: usize,
    /// The diffusion sampler's policy and step budget (a causal LM decodes left to right).
    pub policy: PolicyKind,
    pub steps: usize,
    /// Blocks and block cache of the diffusion sampler.
    pub decoding: BlockDecoding,
    pub evaluator: PathBuf,
}

impl GenerationRequest {
    /// Steps of the diffusion sampler: no more than the tokens.
    fn diffusion_steps(&self) -> usize {
        self.steps.min(self.length)
    }
}

#[derive(Debug, Clone)]
pub struct Eval {
    pub model_dir: PathBuf,
    /// The model as the user named it (a directory or a Hub id).
    pub model_label: String,
    pub corpus: String,
    /// `None`: the corpus's default held-out split (test; validation for Hub corpora).
    pub split: Option<String>,
    pub held_out: HeldOutOptions,
    pub generation: Option<GenerationRequest>,
    /// Draw a progress bar on stderr (when it is a terminal).
    pub progress: bool,
}

impl BackendJob for Eval {
    type Output = EvalResult;

    fn run<B: AutodiffBackend>(self, device: B::Device) -> Result<EvalResult> {
        self.evaluate::<B::InnerBackend>(&device)
    }
}

impl Eval {
    /// Settings that cannot measure anything, named before any model is loaded.
    pub fn check(&self) -> Result<(), String> {
        let h = &self.held_out;
        if h.blocks == 0 {
            return Err("--blocks must be at least 1".into());
        }
        if h.block_len < 2 {
            return Err("--block-len must be at least 2 tokens".into());
        }
        if h.quadrature_nodes == 0 {
            return Err("--quadrature-nodes must be at least 1".into());
        }
        if let Some(rate) = h.mask_rates.iter().find(|r| !(0.0..=1.0).contains(*r)) {
            return Err(format!("--mask-rates: {rate} is not a rate in [0, 1]"));
        }
        if let Some(g) = &self.generation
            && (g.samples == 0 || g.length == 0 || g.steps == 0)
        {
            return Err("--generate, --length and --steps must each be at least 1".into());
        }
        if let Some(g) = &self.generation {
            let sampler = SamplerConfig {
                policy: g.policy,
                steps: g.diffusion_steps(),
                ..SamplerConfig::default()
            };
            g.decoding.check(sampler)?;
        }
        Ok(())
    }

    fn evaluate<B: Backend>(self, device: &B::Device) -> Result<EvalResult> {
        let split = match &self.split {
            Some(name) => HeldOut::parse_split(name)?,
            None => HeldOut::default_split(&self.corpus),
        };
        let held_out = HeldOut::load_split(&self.corpus, split)
            .with_context(|| format!("reading the corpus {}", self.corpus))?;
        let causal = is_causal(&self.model_dir)?;
        let progress = Progress::new(self.progress);
        let mut result = EvalResult::new(&self, causal, held_out.split);
        let mut generator = if causal {
            let mut model = CausalModel::<B>::load(&self.model_dir, device)?;
            let blocks = held_out.exactly_blocks(
                &model.tokenizer,
                self.held_out.block_len,
                self.held_out.blocks,
            )?;
            let bar = progress.bar(blocks.len(), "blocks scored");
            let scores = measure::causal_scores(&mut model, &blocks, || bar.inc(1))?;
            bar.finish_and_clear();
            result.block_len = self.held_out.block_len;
            result.likelihood = Likelihood::Causal(scores);
            Generator::Causal(model)
        } else {
            let mut model = MaskedModel::<B>::load(&self.model_dir, device)?;
            let block_len = measure::block_len_for(&model, self.held_out.block_len);
            let blocks =
                held_out.exactly_blocks(&model.tokenizer, block_len, self.held_out.blocks)?;
            let masking = model.masking(self.held_out.seed);
            let calls = self.held_out.model_calls(masking.batch_size);
            let bar = progress.bar(calls, "model calls");
            let scores =
                measure::held_out_scores(&mut model, &blocks, &self.held_out, || bar.inc(1))?;
            bar.finish_and_clear();
            result.block_len = block_len;
            result.likelihood = Likelihood::Masked(scores);
            Generator::Masked(model)
        };
        if let Some(request) = &self.generation {
            let spinner = progress.spinner(format!(
                "generating {} samples of {} tokens",
                request.samples, request.length
            ));
            let generated = generate_and_score(
                &mut generator,
                request,
                &held_out,
                &self.corpus,
                self.held_out.seed,
                device,
            );
            spinner.finish_and_clear();
            result.generation = Some(generated?);
        }
        Ok(result)
    }
}

enum Generator<B: Backend> {
    Masked(MaskedModel<B>),
    Causal(CausalModel<B>),
}

impl<B: Backend> Generator<B> {
    fn tokenizer(&self) -> &TextTokenizer {
        match self {
            Self::Masked(m) => &m.tokenizer,
            Self::Causal(m) => &m.tokenizer,
        }
    }

    /// `request.samples` samples from nothing: a fully masked canvas, or BOS alone.
    fn samples(&mut self, request: &GenerationRequest, seed: u64) -> Result<(Samples, String)> {
        let prompts = vec![String::new(); request.samples];
        Ok(match self {
            Self::Masked(model) => {
                let steps = request.diffusion_steps();
                let config = measure::diffusion_config(model, request.policy, steps, seed);
                let sampler = Sampler::new(request.decoding.apply(config))?;
                let samples =
                    measure::diffusion_samples_with(model, &prompts, request.length, &sampler)?;
                let described = format!(
                    "{}, {steps} steps{}",
                    request.policy,
                    request.decoding.describe()
                );
                (samples, described)
            }
            Self::Causal(model) => (
                measure::causal_samples(model, &prompts, request.length, seed)?,
                "left to right, KV cache".to_string(),
            ),
        })
    }
}

fn generate_and_score<B: Backend>(
    generator: &mut Generator<B>,
    request: &GenerationRequest,
    held_out: &HeldOut,
    corpus: &str,
    seed: u64,
    device: &B::Device,
) -> Result<GenerationResult> {
    if !is_causal(&request.evaluator)? {
        bail!(
            "--evaluator {}: this is a masked LM; the evaluator must be a causal LM (GPT-2 or a \
             ModernBERT with `causal: true`) that scores text left to right",
            request.evaluator.display()
        );
    }
    let mut evaluator = CausalModel::<B>::load(&request.evaluator, device)
        .with_context(|| format!("loading the evaluator {}", request.evaluator.display()))?;
    let reference = held_out.reference_texts(request.samples, 64);
    measure::check_evaluator_spells(&evaluator.tokenizer, &reference)?;
    let vocabulary = measure::train_vocabulary(corpus)?;
    let (samples, sampler) = generator.samples(request, seed)?;
    let mut scorer = SampleScorer {
        evaluator: &mut evaluator,
        vocabulary: &vocabulary,
    };
    let generated = scorer.score(generator.tokenizer(), samples)?;
    let words = generated.words.mean_words.round() as usize;
    let controls = scorer.controls(held_out, request.samples, words, seed)?;
    Ok(GenerationResult {
        sampler,
        evaluator: request.evaluator.display().to_string(),
        generated,
        controls,
    })
}
