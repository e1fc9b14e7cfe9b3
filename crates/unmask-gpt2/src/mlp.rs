use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Tensor, backend::Backend};
use unmask_nn::{Activation, Dropout};

/// GPT-2's feed-forward block: `c_fc`, activation, `c_proj`, dropout.
#[derive(Module, Debug)]
pub struct Mlp<B: Backend> {
    pub c_fc: Linear<B>,
    pub c_proj: Linear<B>,
    pub activation: Activation,
    pub dropout: Dropout,
}

impl<B: Backend> Mlp<B> {
    pub fn forward(&self, x: Tensor<B, 3>) -> Tensor<B, 3> {
        let h = self.activation.forward(self.c_fc.forward(x));
        self.dropout.forward(self.c_proj.forward(h))
    }
}
