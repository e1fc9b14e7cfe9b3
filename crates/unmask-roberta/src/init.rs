//! RoBERTa's initialisation (transformers `_init_weights`): weights N(0, 0.02), biases 0,
//! LayerNorm 1/0. burn's own defaults differ, so every parameter is built here.

use burn::module::{Initializer, Param};
use burn::nn::{LayerNorm, LayerNormConfig};
use burn::tensor::{Tensor, backend::Backend};

pub const INIT_STD: f64 = 0.02;

pub fn normal<B: Backend>(shape: [usize; 2], device: &B::Device) -> Param<Tensor<B, 2>> {
    Initializer::Normal {
        mean: 0.0,
        std: INIT_STD,
    }
    .init(shape, device)
}

pub fn layer_norm<B: Backend>(d: usize, eps: f64, device: &B::Device) -> LayerNorm<B> {
    LayerNormConfig::new(d).with_epsilon(eps).init(device)
}
