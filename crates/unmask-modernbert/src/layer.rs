//! One pre-norm ModernBERT layer: `x + attn(attn_norm(x))`, then `x + mlp(mlp_norm(x))`,
//! with a GeGLU MLP. Layer 0 has no `attn_norm` (the embeddings are already normalised).

use burn::module::Module;
use burn::nn::{LayerNorm, Linear};
use burn::tensor::module::linear;
use burn::tensor::{Tensor, backend::Backend};
use unmask_nn::{Activation, Dropout};

use crate::attention::{Attention, KeySource, ScoreBias};
use crate::rope::Rope;

/// GeGLU: `Wo(act(a) * g)` where `[a, g]` are the two halves of `Wi(x)`.
#[derive(Module, Debug)]
pub struct Mlp<B: Backend> {
    pub wi: Linear<B>,
    pub wo: Linear<B>,
    pub activation: Activation,
    pub dropout: Dropout,
}

impl<B: Backend> Mlp<B> {
    pub fn forward(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
        let half = self.wi.weight.dims()[1] / 2;
        // Each half through its own matmul against a column range of `Wi` (read in place):
        // the two products come out contiguous, where halves of one product would be strided
        // views that the CPU backend's elementwise ops walk an order of magnitude slower.
        let project = |start: usize| {
            let weight = self.wi.weight.val().narrow(1, start, half);
            let bias = self
                .wi
                .bias
                .as_ref()
                .map(|b| b.val().narrow(0, start, half));
            linear(x.clone(), weight, bias)
        };
        let (input, gate) = (project(0), project(half));
        self.wo
            .forward(self.dropout.forward(self.activation.forward(input) * gate))
    }
}

#[derive(Module, Debug)]
pub struct Layer<B: Backend> {
    pub attn_norm: Option<LayerNorm<B>>,
    pub attn: Attention<B>,
    pub mlp_norm: LayerNorm<B>,
    pub mlp: Mlp<B>,
    /// Attends within the sliding window (uses the local rotary theta).
    pub sliding: bool,
}

impl<B: Backend> Layer<B> {
    pub fn forward(
        &self,
        x: Tensor<B, 3>,
        rope: &Rope<B>,
        bias: &ScoreBias<B>,
        keys: KeySource<'_, B>,
    ) -> Tensor<B, 3> {
        let normed = match &self.attn_norm {
            Some(norm) => norm.forward(x.clone()),
            None => x.clone(),
        };
        let x = x + self.attn.forward(normed, rope, bias, keys);
        x.clone() + self.mlp.forward(self.mlp_norm.forward(x))
    }
}
