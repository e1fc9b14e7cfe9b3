//! A burn GPT-2 behind the evaluator's `CausalScorer` trait: per-token negative
//! log-likelihood of a token sequence (the evaluator of generative perplexity).

use burn::tensor::backend::Backend;
use unmask_eval::CausalScorer;
use unmask_gpt2::Gpt2LmHead;

pub struct Gpt2Scorer<B: Backend> {
    pub model: Gpt2LmHead<B>,
    pub device: B::Device,
}

impl<B: Backend> Gpt2Scorer<B> {
    pub fn new(model: Gpt2LmHead<B>, device: B::Device) -> Self {
        Self { model, device }
    }
}

impl<B: Backend> CausalScorer for Gpt2Scorer<B> {
    fn token_nll(&mut self, ids: &[u32]) -> anyhow::Result<Vec<f32>> {
        Ok(self.model.token_nll(ids, &self.device)?)
    }
}
