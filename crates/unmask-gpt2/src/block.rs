use burn::module::Module;
use burn::nn::LayerNorm;
use burn::tensor::{Tensor, backend::Backend};

use crate::attention::CausalSelfAttention;
use crate::kv_cache::LayerCache;
use crate::mlp::Mlp;

/// One pre-LN transformer block: `x + attn(ln_1(x))`, then `x + mlp(ln_2(x))`.
#[derive(Module, Debug)]
pub struct Block<B: Backend> {
    pub ln_1: LayerNorm<B>,
    pub attn: CausalSelfAttention<B>,
    pub ln_2: LayerNorm<B>,
    pub mlp: Mlp<B>,
}

impl<B: Backend> Block<B> {
    pub fn forward(&self, x: Tensor<B, 3>, cache: Option<&mut LayerCache<B>>) -> Tensor<B, 3> {
        let x = x.clone() + self.attn.forward(self.ln_1.forward(x), cache);
        x.clone() + self.mlp.forward(self.ln_2.forward(x))
    }
}
