use burn::module::Module;
use burn::nn::{Embedding, LayerNorm};
use burn::tensor::{Int, Tensor, backend::Backend};
use unmask_nn::Dropout;

use crate::config::ModelKind;

/// Word + position + token-type embeddings, then LayerNorm and dropout.
#[derive(Module, Debug)]
pub struct Embeddings<B: Backend> {
    pub word: Embedding<B>,
    pub position: Embedding<B>,
    pub token_type: Embedding<B>,
    pub layer_norm: LayerNorm<B>,
    pub dropout: Dropout,
    #[module(skip)]
    pub kind: ModelKind,
    pub pad_token_id: usize,
}

impl<B: Backend> Embeddings<B> {
    /// `input_ids`, `token_type_ids`: `[batch, seq]` -> `[batch, seq, hidden]`.
    pub fn forward(
        &self,
        input_ids: Tensor<B, 2, Int>,
        token_type_ids: Option<Tensor<B, 2, Int>>,
    ) -> Tensor<B, 3> {
        let positions = self.position_ids(input_ids.clone());
        let token_type_ids = token_type_ids.unwrap_or_else(|| input_ids.zeros_like());
        let x = self.word.forward(input_ids)
            + self.position.forward(positions)
            + self.token_type.forward(token_type_ids);
        self.dropout.forward(self.layer_norm.forward(x))
    }

    /// [`Embeddings::forward`] at positions `rows` only of `input_ids` (whole sequences: a
    /// RoBERTa position counts the tokens before it).
    pub fn forward_rows(
        &self,
        input_ids: Tensor<B, 2, Int>,
        token_type_ids: Option<Tensor<B, 2, Int>>,
        rows: std::ops::Range<usize>,
    ) -> Tensor<B, 3> {
        let batch = input_ids.dims()[0];
        let cut = |t: Tensor<B, 2, Int>| t.slice([0..batch, rows.clone()]);
        let positions = cut(self.position_ids(input_ids.clone()));
        let input_ids = cut(input_ids);
        let token_type_ids = token_type_ids.map_or_else(|| input_ids.zeros_like(), cut);
        let x = self.word.forward(input_ids)
            + self.position.forward(positions)
            + self.token_type.forward(token_type_ids);
        self.dropout.forward(self.layer_norm.forward(x))
    }

    /// RoBERTa: `cumsum(id != pad) * (id != pad) + pad`, computed from the ids as transformers
    /// does, so left- and right-padded rows get the same positions for the same tokens.
    /// BERT: `0..seq` for every row.
    pub fn position_ids(&self, input_ids: Tensor<B, 2, Int>) -> Tensor<B, 2, Int> {
        let [batch, seq] = input_ids.dims();
        match self.kind {
            ModelKind::Roberta => {
                let not_pad = input_ids.not_equal_elem(self.pad_token_id as i64).int();
                not_pad.clone().cumsum(1) * not_pad + self.pad_token_id as i64
            }
            ModelKind::Bert => Tensor::<B, 1, Int>::arange(0..seq as i64, &input_ids.device())
                .unsqueeze::<2>()
                .expand([batch, seq]),
        }
    }
}
