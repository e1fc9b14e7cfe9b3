use burn::module::Module;
use burn::tensor::activation::{gelu, gelu_approximate, relu};
use burn::tensor::{Tensor, backend::Backend};

use crate::config::HiddenAct;

/// The config's `hidden_act` as a parameter-free module.
#[derive(Module, Clone, Debug)]
pub struct Activation {
    #[module(skip)]
    act: HiddenAct,
}

impl Activation {
    pub fn new(act: HiddenAct) -> Self {
        Self { act }
    }

    pub fn forward<B: Backend, const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D> {
        match self.act {
            HiddenAct::Gelu => gelu(x),
            HiddenAct::GeluTanh => gelu_approximate(x),
            HiddenAct::Relu => relu(x),
        }
    }
}
