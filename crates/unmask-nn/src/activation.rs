use burn::module::Module;
use burn::tensor::activation::{gelu, gelu_approximate, relu};
use burn::tensor::{Tensor, backend::Backend};
use serde::{Deserialize, Serialize};

/// A feed-forward activation, named as transformers' configs name it (`hidden_act` in
/// BERT/RoBERTa, `activation_function` in GPT-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActivationKind {
    /// Exact GELU, `x * Phi(x)` (transformers' `gelu`).
    #[serde(rename = "gelu")]
    Gelu,
    /// The tanh approximation of GELU, GPT-2's own (`gelu_new`, `gelu_pytorch_tanh`).
    #[serde(rename = "gelu_new", alias = "gelu_pytorch_tanh")]
    GeluTanh,
    #[serde(rename = "relu")]
    Relu,
}

/// An `ActivationKind` as a parameter-free module.
#[derive(Module, Clone, Debug)]
pub struct Activation {
    #[module(skip)]
    kind: ActivationKind,
}

impl Activation {
    pub fn new(kind: ActivationKind) -> Self {
        Self { kind }
    }

    pub fn forward<B: Backend, const D: usize>(&self, x: Tensor<B, D>) -> Tensor<B, D> {
        match self.kind {
            ActivationKind::Gelu => gelu(x),
            ActivationKind::GeluTanh => gelu_approximate(x),
            ActivationKind::Relu => relu(x),
        }
    }
}
