use burn::module::Module;
use burn::tensor::activation::{gelu, gelu_approximate, relu};
use burn::tensor::{Tensor, backend::Backend};

use crate::config::Gpt2Activation;

/// The config's `activation_function` as a parameter-free module.
#[derive(Module, Clone, Debug)]
pub struct Activation {
    #[module(skip)]
    act: Gpt2Activation,
}

impl Activation {
    pub fn new(act: Gpt2Activation) -> Self {
        Self { act }
    }

    pub fn forward<B: Backend, const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D> {
        match self.act {
            Gpt2Activation::GeluNew => gelu_approximate(x),
            Gpt2Activation::Gelu => gelu(x),
            Gpt2Activation::Relu => relu(x),
        }
    }
}
