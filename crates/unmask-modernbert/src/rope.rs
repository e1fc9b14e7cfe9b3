//! Rotary position embeddings, GPT-NeoX style (as transformers' ModernBERT): the head
//! dimension is split in halves, and `x * cos + rotate_half(x) * sin` rotates each pair
//! `(x[i], x[i + d/2])` by `position * theta^(-2i/d)`.
//!
//! The rotation runs on the queries and keys as `Wqkv` lays them out, one row per position
//! (`[q heads | k heads]`), against tables of that row's shape: every step is then a plain
//! elementwise op with one broadcast row, which the CPU backend runs as a SIMD loop, and the
//! heads are split afterwards as strided views that the matmuls read without a copy.
//! `rotate_half(x) * sin` is the row with each head's halves swapped times `[-sin, sin]`.

use burn::tensor::{Tensor, TensorData, backend::Backend};

/// Tables `[1, len * 2 * heads * head_dim]` for positions `start..start + len`: `cos` and the
/// signed `sin`, repeated for every query and key head.
#[derive(Clone, Debug)]
pub struct Rope<B: Backend> {
    cos: Tensor<B, 2>,
    sin: Tensor<B, 2>,
    heads: usize,
    head_dim: usize,
}

impl<B: Backend> Rope<B> {
    pub fn new(
        theta: f64,
        head_dim: usize,
        heads: usize,
        (start, len): (usize, usize),
        device: &B::Device,
    ) -> Self {
        let half = head_dim / 2;
        // transformers computes the inverse frequencies and their products in f32.
        let inv_freq: Vec<f32> = (0..half)
            .map(|i| 1.0 / (theta as f32).powf((2 * i) as f32 / head_dim as f32))
            .collect();
        let row = 2 * heads * head_dim;
        let mut cos = Vec::with_capacity(len * row);
        let mut sin = Vec::with_capacity(len * row);
        for pos in start..start + len {
            let angles: Vec<f32> = inv_freq.iter().map(|f| pos as f32 * f).collect();
            let head_cos: Vec<f32> = angles.iter().chain(&angles).map(|a| a.cos()).collect();
            let head_sin: Vec<f32> = (angles.iter().map(|a| -a.sin()))
                .chain(angles.iter().map(|a| a.sin()))
                .collect();
            for _ in 0..2 * heads {
                cos.extend(&head_cos);
                sin.extend(&head_sin);
            }
        }
        let table = |v: Vec<f32>| Tensor::from_data(TensorData::new(v, [1, len * row]), device);
        Self {
            cos: table(cos),
            sin: table(sin),
            heads,
            head_dim,
        }
    }

    /// Rotates `qk`: `[batch, len, 2 * heads * head_dim]`, the query heads then the key heads
    /// of each position. Returns queries and keys `[batch, heads, len, head_dim]`.
    pub fn apply(&self, qk: Tensor<B, 3>) -> (Tensor<B, 4>, Tensor<B, 4>) {
        let [batch, len, row] = qk.dims();
        let (heads, d) = (self.heads, self.head_dim);
        let rows = qk.reshape([batch, len * row]);
        let halves = rows.clone().reshape([batch * len * 2 * heads, 2, d / 2]);
        let swapped = Tensor::cat(
            vec![halves.clone().narrow(1, 1, 1), halves.narrow(1, 0, 1)],
            1,
        )
        .reshape([batch, len * row]);
        let rotated = rows * self.cos.clone() + swapped * self.sin.clone();
        let heads_first = rotated.reshape([batch, len, 2 * heads, d]).swap_dims(1, 2);
        (
            heads_first.clone().narrow(1, 0, heads),
            heads_first.narrow(1, heads, heads),
        )
    }
}
