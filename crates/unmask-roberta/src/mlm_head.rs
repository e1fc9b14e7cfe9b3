use burn::module::{Module, Param};
use burn::nn::{LayerNorm, Linear};
use burn::tensor::{Tensor, backend::Backend};
use unmask_nn::Activation;

/// The masked-LM head: dense, activation, LayerNorm, then the decoder.
///
/// The decoder has no weight of its own: it multiplies by the word-embedding matrix
/// (passed in), so the two stay one parameter in training and in checkpoints.
#[derive(Module, Debug)]
pub struct MlmHead<B: Backend> {
    pub dense: Linear<B>,
    pub layer_norm: LayerNorm<B>,
    pub bias: Param<Tensor<B, 1>>,
    pub activation: Activation,
}

impl<B: Backend> MlmHead<B> {
    /// `hidden`: `[n, hidden]`, `word_embeddings`: `[vocab, hidden]` -> logits `[n, vocab]`.
    pub fn forward(&self, hidden: Tensor<B, 2>, word_embeddings: Tensor<B, 2>) -> Tensor<B, 2> {
        let h = self.activation.forward(self.dense.forward(hidden));
        let h = self.layer_norm.forward(h);
        h.matmul(word_embeddings.transpose()) + self.bias.val().unsqueeze::<2>()
    }
}
