use burn::module::Module;
use burn::nn::{Embedding, LayerNorm};
use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor, backend::Backend};
use unmask_nn::Dropout;
use unmask_nn::hf_params::RandomInit;

use crate::block::Block;
use crate::config::Gpt2Config;
use crate::error::Gpt2Error;
use crate::kv_cache::KvCache;
use crate::params::skeleton;

/// GPT-2 with its language-model head (transformers' `GPT2LMHeadModel`): token and position
/// embeddings, pre-LN causal blocks, a final LayerNorm, and logits from the token-embedding
/// matrix itself (the head is tied: one parameter, in training and in checkpoints).
#[derive(Module, Debug)]
pub struct Gpt2LmHead<B: Backend> {
    pub wte: Embedding<B>,
    pub wpe: Embedding<B>,
    pub dropout: Dropout,
    pub blocks: Vec<Block<B>>,
    pub ln_f: LayerNorm<B>,
    #[module(skip)]
    pub config: Gpt2Config,
}

impl Gpt2Config {
    /// A freshly initialised model (GPT-2's init). Fails only on an invalid config.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<Gpt2LmHead<B>, Gpt2Error> {
        let mut model = skeleton(self, device)?;
        model.walk(&mut RandomInit { device })?;
        Ok(model)
    }
}

impl<B: Backend> Gpt2LmHead<B> {
    pub fn config(&self) -> &Gpt2Config {
        &self.config
    }

    /// Final hidden states (after `ln_f`) `[batch, seq, n_embd]` for positions `0..seq`.
    ///
    /// `ids`: `[batch, seq]` with `seq <= n_positions` (a longer input panics in the position
    /// lookup; the slice-based APIs check lengths and return errors).
    pub fn forward_hidden(&self, ids: Tensor<B, 2, Int>) -> Tensor<B, 3> {
        self.run(ids, 0, None)
    }

    /// Next-token logits `[batch, seq, vocab]` at every position.
    pub fn forward(&self, ids: Tensor<B, 2, Int>) -> Tensor<B, 3> {
        self.logits(self.forward_hidden(ids))
    }

    /// The tied LM head: `hidden · wteᵀ`, `[batch, seq, n_embd] -> [batch, seq, vocab]`.
    pub fn logits(&self, hidden: Tensor<B, 3>) -> Tensor<B, 3> {
        let [batch, seq, d] = hidden.dims();
        hidden
            .reshape([batch * seq, d])
            .matmul(self.wte.weight.val().transpose())
            .reshape([batch, seq, self.config.vocab_size])
    }

    /// Mean cross-entropy (nats) of predicting `ids[:, 1:]` from `ids[:, :-1]`, `[1]`.
    ///
    /// Targets equal to `ignore_id` (padding) are left out of the mean; if every target is
    /// ignored the loss is 0.
    ///
    /// # Panics
    /// If `ids` has fewer than 2 columns (a tensor API for the trainer, which controls shapes).
    pub fn next_token_loss(&self, ids: Tensor<B, 2, Int>, ignore_id: Option<u32>) -> Tensor<B, 1> {
        let [batch, seq] = ids.dims();
        assert!(
            seq >= 2,
            "next_token_loss needs sequences of at least 2 tokens"
        );
        let inputs = ids.clone().narrow(1, 0, seq - 1);
        let targets = ids.narrow(1, 1, seq - 1);
        let log_probs = log_softmax(self.forward(inputs), 2);
        let picked = log_probs
            .gather(2, targets.clone().unsqueeze_dim::<3>(2))
            .reshape([batch * (seq - 1)]);
        match ignore_id {
            None => picked.mean().neg(),
            Some(id) => {
                let keep = targets
                    .not_equal_elem(id as i64)
                    .float()
                    .reshape([batch * (seq - 1)]);
                let count = keep.clone().sum().clamp_min(1.0);
                (picked * keep).sum().neg() / count
            }
        }
    }

    /// An empty KV cache for this model.
    pub fn new_cache(&self) -> KvCache<B> {
        KvCache::new(&self.config)
    }

    /// Logits `[batch, new, vocab]` for `new_ids` placed after the positions in `cache`, which
    /// then holds them too. Feeding a sequence in any split gives the logits of one full
    /// `forward`. Errors when the cache would pass `n_positions` or the batch size changes.
    pub fn forward_cached(
        &self,
        new_ids: Tensor<B, 2, Int>,
        cache: &mut KvCache<B>,
    ) -> Result<Tensor<B, 3>, Gpt2Error> {
        let [batch, seq] = new_ids.dims();
        if seq == 0 {
            return Err(Gpt2Error::Input("forward_cached got no new tokens".into()));
        }
        if cache.layers.len() != self.blocks.len() || cache.max_len != self.config.n_positions {
            return Err(Gpt2Error::Input(
                "the KV cache was made for a model with other shapes; use model.new_cache()".into(),
            ));
        }
        if cache.batch.is_some_and(|b| b != batch) {
            return Err(Gpt2Error::Input(format!(
                "the KV cache holds a batch of {} rows, got {batch}; clear it first",
                cache.batch.unwrap_or_default()
            )));
        }
        let total = cache.len + seq;
        if total > self.config.n_positions {
            return Err(Gpt2Error::SequenceTooLong {
                len: total,
                max: self.config.n_positions,
            });
        }
        let hidden = self.run(new_ids, cache.len, Some(cache));
        cache.len = total;
        cache.batch = Some(batch);
        Ok(self.logits(hidden))
    }

    fn run(
        &self,
        ids: Tensor<B, 2, Int>,
        start: usize,
        mut cache: Option<&mut KvCache<B>>,
    ) -> Tensor<B, 3> {
        let [batch, seq] = ids.dims();
        let positions =
            Tensor::<B, 1, Int>::arange(start as i64..(start + seq) as i64, &ids.device())
                .unsqueeze::<2>()
                .expand([batch, seq]);
        let mut x = self
            .dropout
            .forward(self.wte.forward(ids) + self.wpe.forward(positions));
        for (i, block) in self.blocks.iter().enumerate() {
            let layer_cache = cache.as_deref_mut().map(|c| &mut c.layers[i]);
            x = block.forward(x, layer_cache);
        }
        self.ln_f.forward(x)
    }
}
