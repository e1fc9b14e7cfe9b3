//! Any causal LM the project trains or loads, behind one type: a Hugging Face GPT-2, or a
//! ModernBERT trained with `causal = true` (the autoregressive baseline on the diffusion
//! model's own network). Both decode with a KV cache through `unmask_gpt2::generate_tokens`
//! and score text by per-token NLL with the same sliding windows.

use std::path::Path;

use anyhow::{Context, Result, bail};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor, TensorData, backend::Backend};
use unmask_eval::CausalScorer;
use unmask_gpt2::{
    GenerateOptions, Generation, Gpt2Error, Gpt2LmHead, generate_tokens, load_gpt2, sliding_windows,
};
use unmask_modernbert::{KvCache, ModernBert, load_modernbert};

use unmask_nn::tensor_file::model_type;

// One model per process: the size difference of the variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum AnyCausalLm<B: Backend> {
    Gpt2(Gpt2LmHead<B>),
    ModernBert(ModernBert<B>),
}

fn ids_tensor<B: Backend>(ids: &[u32], device: &B::Device) -> Tensor<B, 2, Int> {
    let data: Vec<i64> = ids.iter().map(|&id| id as i64).collect();
    Tensor::from_data(TensorData::new(data, [1, ids.len()]), device)
}

fn readback<const D: usize, B: Backend>(t: Tensor<B, D>) -> Result<Vec<f32>, Gpt2Error> {
    t.into_data()
        .convert::<f32>()
        .into_vec::<f32>()
        .map_err(|e| Gpt2Error::Readback(format!("{e:?}")))
}

impl<B: Backend> AnyCausalLm<B> {
    /// Loads the causal LM in `dir`: GPT-2, or a ModernBERT whose config.json says
    /// `causal: true`.
    pub fn load(dir: &Path, device: &B::Device) -> Result<Self> {
        let context = || format!("loading the model in {}", dir.display());
        match model_type(dir).with_context(context)?.as_str() {
            "modernbert" => {
                let (model, _) = load_modernbert::<B>(dir, device).with_context(context)?;
                if !model.config().causal {
                    bail!(
                        "{}: this ModernBERT is a masked LM (no `causal: true` in config.json); \
                         it cannot score or continue text left to right",
                        dir.display()
                    );
                }
                Ok(Self::ModernBert(model))
            }
            _ => Ok(Self::Gpt2(
                load_gpt2::<B>(dir, device).with_context(context)?.0,
            )),
        }
    }

    pub fn vocab_size(&self) -> usize {
        match self {
            Self::Gpt2(m) => m.config().vocab_size,
            Self::ModernBert(m) => m.config().vocab_size,
        }
    }

    /// The longest sequence the model reads.
    pub fn max_len(&self) -> usize {
        match self {
            Self::Gpt2(m) => m.config().n_positions,
            Self::ModernBert(m) => m.config().max_sequence_len(),
        }
    }

    /// Continues `prompt` with the KV cache (see `unmask_gpt2::GenerateOptions`).
    pub fn generate(
        &self,
        prompt: &[u32],
        opts: &GenerateOptions,
        device: &B::Device,
    ) -> Result<Generation, Gpt2Error> {
        let model = match self {
            Self::Gpt2(m) => return m.generate(prompt, opts, device),
            Self::ModernBert(m) => m,
        };
        let c = model.config();
        if prompt.is_empty() {
            return Err(Gpt2Error::Input("the prompt is empty".into()));
        }
        if let Some(&id) = prompt.iter().find(|&&id| id as usize >= c.vocab_size) {
            return Err(Gpt2Error::TokenOutOfRange {
                id,
                vocab_size: c.vocab_size,
            });
        }
        // The last new token is never fed back, so it needs no position.
        let fed = prompt
            .len()
            .saturating_add(opts.max_new_tokens.saturating_sub(1));
        if fed > c.max_sequence_len() {
            return Err(Gpt2Error::Options(format!(
                "a {}-token prompt and {} new tokens exceed the model's {} positions",
                prompt.len(),
                opts.max_new_tokens,
                c.max_sequence_len()
            )));
        }
        let mut cache = KvCache::new(model.layers.len());
        let eos = c.eos_token_id.map(|id| id as u32);
        generate_tokens(prompt, opts, eos, |input| {
            let hidden = model.forward_cached(ids_tensor(input, device), &mut cache);
            let [_, seq, h] = hidden.dims();
            readback(model.head_logits(hidden.narrow(1, seq - 1, 1).reshape([1, h])))
        })
    }

    /// NLL (nats) of `ids[1..]`, each given its prefix; texts longer than the model are
    /// scored in windows of stride `max_len / 2`, as GPT-2's `token_nll`.
    pub fn token_nll(&self, ids: &[u32], device: &B::Device) -> Result<Vec<f32>, Gpt2Error> {
        let model = match self {
            Self::Gpt2(m) => return m.token_nll(ids, device),
            Self::ModernBert(m) => m,
        };
        let vocab_size = model.config().vocab_size;
        if let Some(&id) = ids.iter().find(|&&id| id as usize >= vocab_size) {
            return Err(Gpt2Error::TokenOutOfRange { id, vocab_size });
        }
        let max = model.config().max_sequence_len();
        let mut nll = Vec::with_capacity(ids.len().saturating_sub(1));
        for w in sliding_windows(ids.len(), max, (max / 2).max(1)) {
            let hidden = model.encode(ids_tensor(&ids[w.start..w.end], device), None);
            let rows = w.end - w.first_target;
            let [_, _, h] = hidden.dims();
            let hidden = hidden
                .narrow(1, w.first_target - 1 - w.start, rows)
                .reshape([rows, h]);
            let log_probs = log_softmax(model.head_logits(hidden), 1);
            let targets: Vec<i64> = ids[w.first_target..w.end]
                .iter()
                .map(|&t| t as i64)
                .collect();
            let targets =
                Tensor::<B, 2, Int>::from_data(TensorData::new(targets, [rows, 1]), device);
            nll.extend(readback(log_probs.gather(1, targets).neg())?);
        }
        Ok(nll)
    }
}

/// What the model in `dir` is, read from its config.json: a causal LM (GPT-2, or a ModernBERT
/// with `causal: true`) or a masked LM (BERT, RoBERTa, MiniLM, a masked ModernBERT).
pub fn is_causal(dir: &Path) -> Result<bool> {
    let kind =
        model_type(dir).with_context(|| format!("reading the model in {}", dir.display()))?;
    Ok(match kind.as_str() {
        "gpt2" => true,
        "modernbert" => {
            let path = dir.join("config.json");
            let config: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)
                .with_context(|| format!("{}: not valid JSON", path.display()))?;
            config
                .get("causal")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false)
        }
        _ => false,
    })
}

/// A causal LM behind the evaluator's `CausalScorer` trait.
pub struct CausalLmScorer<B: Backend> {
    pub model: AnyCausalLm<B>,
    pub device: B::Device,
}

impl<B: Backend> CausalScorer for CausalLmScorer<B> {
    fn token_nll(&mut self, ids: &[u32]) -> anyhow::Result<Vec<f32>> {
        Ok(self.model.token_nll(ids, &self.device)?)
    }
}
