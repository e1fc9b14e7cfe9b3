//! One pre-norm ModernBERT layer: `x + attn(attn_norm(x))`, then `x + mlp(mlp_norm(x))`,
//! with a GeGLU MLP. Layer 0 has no `attn_norm` (the embeddings are already normalised).

use burn::module::Module;
use burn::nn::{LayerNorm, Linear};
use burn::tensor::{Tensor, backend::Backend};
use unmask_nn::{Activation, Dropout};

use crate::attention::{Attention, LayerCache};
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
        let mut halves = self.wi.forward(x).chunk(2, 2).into_iter();
        let (input, gate) = (halves.next().expect("input"), halves.next().expect("gate"));
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
        bias: Option<Tensor<B, 4>>,
        cache: Option<&mut Option<LayerCache<B>>>,
    ) -> Tensor<B, 3> {
        let normed = match &self.attn_norm {
            Some(norm) => norm.forward(x.clone()),
            None => x.clone(),
        };
        let x = x + self.attn.forward(normed, rope, bias, cache);
        x.clone() + self.mlp.forward(self.mlp_norm.forward(x))
    }
}
