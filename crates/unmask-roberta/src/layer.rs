use burn::module::Module;
use burn::nn::{LayerNorm, Linear};
use burn::tensor::{Tensor, backend::Backend};
use unmask_nn::{Activation, Dropout};

use crate::attention::{KeySource, SelfAttention};

/// One post-LN encoder layer: self-attention block, then the feed-forward block
/// (intermediate dense, activation, output dense, dropout, residual, LayerNorm).
#[derive(Module, Debug)]
pub struct EncoderLayer<B: Backend> {
    pub attention: SelfAttention<B>,
    pub intermediate: Linear<B>,
    pub output: Linear<B>,
    pub layer_norm: LayerNorm<B>,
    pub dropout: Dropout,
    pub activation: Activation,
}

impl<B: Backend> EncoderLayer<B> {
    pub fn forward(
        &self,
        x: Tensor<B, 3>,
        key_bias: Option<Tensor<B, 4>>,
        source: KeySource<'_, B>,
    ) -> Tensor<B, 3> {
        let x = self.attention.forward(x, key_bias, source);
        let h = self
            .activation
            .forward(self.intermediate.forward(x.clone()));
        let h = self.dropout.forward(self.output.forward(h));
        self.layer_norm.forward(h + x)
    }
}
