//! Rotary position embeddings, GPT-NeoX style (as transformers' ModernBERT): the head
//! dimension is split in halves, and `x * cos + rotate_half(x) * sin` rotates each pair
//! `(x[i], x[i + d/2])` by `position * theta^(-2i/d)`.

use burn::tensor::{Tensor, TensorData, backend::Backend};

/// `cos` and `sin` tables `[1, 1, len, head_dim]` for positions `start..start + len`.
#[derive(Clone, Debug)]
pub struct Rope<B: Backend> {
    pub cos: Tensor<B, 4>,
    pub sin: Tensor<B, 4>,
}

impl<B: Backend> Rope<B> {
    pub fn new(theta: f64, head_dim: usize, start: usize, len: usize, device: &B::Device) -> Self {
        let half = head_dim / 2;
        // transformers computes the inverse frequencies and their products in f32.
        let inv_freq: Vec<f32> = (0..half)
            .map(|i| 1.0 / (theta as f32).powf((2 * i) as f32 / head_dim as f32))
            .collect();
        let mut cos = Vec::with_capacity(len * head_dim);
        let mut sin = Vec::with_capacity(len * head_dim);
        for pos in start..start + len {
            let angles: Vec<f32> = inv_freq.iter().map(|f| pos as f32 * f).collect();
            for _ in 0..2 {
                cos.extend(angles.iter().map(|a| a.cos()));
                sin.extend(angles.iter().map(|a| a.sin()));
            }
        }
        let table =
            |v: Vec<f32>| Tensor::from_data(TensorData::new(v, [1, 1, len, head_dim]), device);
        Self {
            cos: table(cos),
            sin: table(sin),
        }
    }

    /// Rotates `x`: `[batch, heads, len, head_dim]`.
    pub fn apply(&self, x: Tensor<B, 4>) -> Tensor<B, 4> {
        let [_, _, _, d] = x.dims();
        let first = x.clone().narrow(3, 0, d / 2);
        let second = x.clone().narrow(3, d / 2, d / 2);
        let rotated = Tensor::cat(vec![second.neg(), first], 3);
        x * self.cos.clone() + rotated * self.sin.clone()
    }
}
