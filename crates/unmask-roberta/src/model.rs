use burn::module::Module;
use burn::tensor::{Int, Tensor, backend::Backend};
use unmask_nn::hf_params::RandomInit;

use crate::attention::KeySource;
use crate::config::MaskedLmConfig;
use crate::embeddings::Embeddings;
use crate::layer::EncoderLayer;
use crate::mlm_head::MlmHead;
use crate::params::skeleton;

/// A BERT/RoBERTa masked language model: embeddings, post-LN encoder, MLM head whose
/// decoder is the word-embedding matrix.
#[derive(Module, Debug)]
pub struct MaskedLm<B: Backend> {
    pub embeddings: Embeddings<B>,
    pub layers: Vec<EncoderLayer<B>>,
    pub head: MlmHead<B>,
    #[module(skip)]
    pub config: MaskedLmConfig,
}

/// Additive attention bias that hides padding keys.
const MASKED_SCORE: f64 = -1e30;

/// `[batch, 1, 1, seq]` additive bias hiding the padding of a `[batch, seq]` attention mask.
pub(crate) fn key_bias<B: Backend>(attention_mask: Tensor<B, 2, Int>) -> Tensor<B, 4> {
    let [batch, seq] = attention_mask.dims();
    attention_mask
        .equal_elem(0)
        .float()
        .mul_scalar(MASKED_SCORE)
        .reshape([batch, 1, 1, seq])
}

impl MaskedLmConfig {
    /// A freshly initialised model (RoBERTa's N(0, 0.02) init).
    pub fn init<B: Backend>(&self, device: &B::Device) -> MaskedLm<B> {
        let mut model = skeleton(self, device);
        model
            .walk(&mut RandomInit { device })
            .expect("random initialisation does not fail");
        model
    }
}

impl<B: Backend> MaskedLm<B> {
    pub fn config(&self) -> &MaskedLmConfig {
        &self.config
    }

    /// Last hidden states `[batch, seq, hidden]`.
    ///
    /// `attention_mask`: `[batch, seq]`, 1 for tokens and 0 for padding (None: attend to all).
    /// `token_type_ids`: `[batch, seq]` (None: all 0).
    pub fn encode(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Option<Tensor<B, 2, Int>>,
        token_type_ids: Option<Tensor<B, 2, Int>>,
    ) -> Tensor<B, 3> {
        let key_bias = attention_mask.map(key_bias);
        let mut x = self.embeddings.forward(input_ids, token_type_ids);
        for layer in &self.layers {
            x = layer.forward(x, key_bias.clone(), KeySource::Own);
        }
        x
    }

    /// MLM logits at every position: `[batch, seq, vocab]`.
    pub fn forward(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Option<Tensor<B, 2, Int>>,
        token_type_ids: Option<Tensor<B, 2, Int>>,
    ) -> Tensor<B, 3> {
        let hidden = self.encode(input_ids, attention_mask, token_type_ids);
        let [batch, seq, h] = hidden.dims();
        self.head_logits(hidden.reshape([batch * seq, h])).reshape([
            batch,
            seq,
            self.config.vocab_size,
        ])
    }

    /// MLM logits only at `flat_positions` (indices into the `batch * seq` flattened
    /// positions of `hidden`): `[n, vocab]`. The vocabulary projection is the expensive
    /// part of the head, so samplers and the masked loss ask only for what they use.
    pub fn logits_at(
        &self,
        hidden: Tensor<B, 3>,
        flat_positions: Tensor<B, 1, Int>,
    ) -> Tensor<B, 2> {
        let [batch, seq, h] = hidden.dims();
        let rows = hidden.reshape([batch * seq, h]).select(0, flat_positions);
        self.head_logits(rows)
    }

    /// The MLM head on `[n, hidden]` rows.
    pub fn head_logits(&self, rows: Tensor<B, 2>) -> Tensor<B, 2> {
        self.head.forward(rows, self.embeddings.word.weight.val())
    }
}
