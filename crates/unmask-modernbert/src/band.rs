//! Sliding-window attention in blocks, for the CPU backends: a query at position `p` sees keys
//! `p - half ..= p + half`, so the queries of block `j` (`half` of them, from `j * half`) need
//! only the `3 * half` keys from `(j - 1) * half`. The keys and values, padded by `half` on
//! both sides, are cut into those overlapping windows as strided views (`unfold`, no copy),
//! and one batched matmul per side scores every block against its window. At ModernBERT-base's
//! shapes (512 tokens, 128-token windows) that is 192 keys per query instead of 512.
//!
//! The bias masks what the window holds but the query may not see: keys past the band, the
//! padding at both ends, padded keys of the batch and, for a causal model, the future. The
//! result equals the full attention with the sliding-window bias (tests/parity.rs runs the
//! fixtures, whose 24-token sequences and 8-token windows take this path).

use burn::tensor::activation::softmax;
use burn::tensor::{Tensor, TensorData, backend::Backend};
use unmask_nn::Dropout;

use crate::model::MASKED_SCORE;

/// The blocks' additive bias `[batch, heads, blocks, half, 3 * half]`.
#[derive(Clone, Debug)]
pub struct Band<B: Backend> {
    half: usize,
    bias: Tensor<B, 5>,
}

impl<B: Backend> Band<B> {
    /// The band for `len` queries and keys, or None where it would not save work (a window
    /// of `3 * half` keys is not shorter than the sequence). `padding[b * len + k]`: key `k`
    /// of sequence `b` is padding.
    pub fn new(
        half: usize,
        causal: bool,
        (batch, heads, len): (usize, usize, usize),
        padding: Option<&[bool]>,
        device: &B::Device,
    ) -> Option<Self> {
        if half == 0 || 3 * half >= len {
            return None;
        }
        let blocks = len.div_ceil(half);
        let window = 3 * half;
        let mut values = Vec::with_capacity(batch * blocks * half * window);
        for b in 0..batch {
            for block in 0..blocks {
                for i in 0..half {
                    let query = block * half + i;
                    for w in 0..window {
                        let visible = (block * half + w).checked_sub(half).is_some_and(|key| {
                            key < len
                                && query.abs_diff(key) <= half
                                && !(causal && key > query)
                                && !padding.is_some_and(|p| p[b * len + key])
                        });
                        values.push(if visible { 0.0 } else { MASKED_SCORE });
                    }
                }
            }
        }
        let bias = Tensor::<B, 5>::from_data(
            TensorData::new(values, [batch, 1, blocks, half, window]),
            device,
        );
        Some(Self {
            half,
            bias: bias.repeat_dim(1, heads),
        })
    }

    /// The attention context `[batch, heads, len, head_dim]` of queries, keys and values
    /// `[batch, heads, len, head_dim]`, the scores scaled by `scale`.
    pub fn context(
        &self,
        q: Tensor<B, 4>,
        k: Tensor<B, 4>,
        v: Tensor<B, 4>,
        scale: f64,
        dropout: &Dropout,
    ) -> Tensor<B, 4> {
        let [batch, heads, len, head_dim] = q.dims();
        let half = self.half;
        let padded = len.div_ceil(half) * half;
        let device = q.device();
        let pad = |t: Tensor<B, 4>, before: usize, after: usize| {
            let zeros =
                |n: usize| (n > 0).then(|| Tensor::zeros([batch, heads, n, head_dim], &device));
            let parts: Vec<_> = [zeros(before), Some(t), zeros(after)]
                .into_iter()
                .flatten()
                .collect();
            Tensor::cat(parts, 2)
        };
        // [batch, heads, blocks, head_dim, n] views: block j holds rows j * half .. + n.
        let queries = pad(q, 0, padded - len).unfold::<5, _>(2, half, half);
        let windows = |t| pad(t, half, padded - len + half).unfold::<5, _>(2, 3 * half, half);
        let scores =
            queries.swap_dims(3, 4).matmul(windows(k)).mul_scalar(scale) + self.bias.clone();
        let probs = dropout.forward(softmax(scores, 4));
        probs
            .matmul(windows(v).swap_dims(3, 4))
            .reshape([batch, heads, padded, head_dim])
            .narrow(2, 0, len)
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::activation::softmax;
    use burn::tensor::{Distribution, Tensor, TensorData};
    use unmask_nn::Dropout;

    use super::Band;

    type A = Autodiff<Flex>;

    fn max_diff(a: Tensor<Flex, 4>, b: Tensor<Flex, 4>) -> f32 {
        (a - b).abs().max().into_scalar()
    }

    /// The blocks give the full attention's outputs and gradients under the same visibility
    /// rule, written here independently: sequences not a multiple of the block, causal or not,
    /// the last two keys of the second sequence padded.
    #[test]
    fn band_equals_full_attention_in_values_and_gradients() {
        let device = Default::default();
        let (batch, heads, head_dim) = (2, 3, 8);
        for (len, half, causal) in [(23, 4, false), (24, 4, true), (17, 3, false), (40, 5, true)] {
            // Every query keeps a visible key (a row that sees nothing is padding, discarded).
            let padding: Vec<bool> = (0..batch * len).map(|i| i >= 2 * len - 2).collect();
            let random = || {
                Tensor::<A, 4>::random(
                    [batch, heads, len, head_dim],
                    Distribution::Normal(0.0, 1.0),
                    &device,
                )
                .require_grad()
            };
            let (q, k, v) = (random(), random(), random());
            let weights = Tensor::<A, 4>::random(
                [batch, heads, len, head_dim],
                Distribution::Normal(0.0, 1.0),
                &device,
            );
            let scale = 0.3;

            let band = Band::<A>::new(half, causal, (batch, heads, len), Some(&padding), &device)
                .expect("a band shorter than the sequence");
            let banded = band.context(q.clone(), k.clone(), v.clone(), scale, &Dropout::new(0.0));

            let bias: Vec<f32> = (0..batch)
                .flat_map(|b| (0..len).flat_map(move |qi| (0..len).map(move |ki| (b, qi, ki))))
                .map(|(b, qi, ki)| {
                    let visible =
                        qi.abs_diff(ki) <= half && (!causal || ki <= qi) && !padding[b * len + ki];
                    if visible { 0.0 } else { -1e30 }
                })
                .collect();
            let bias =
                Tensor::<A, 4>::from_data(TensorData::new(bias, [batch, 1, len, len]), &device);
            let scores = q.clone().matmul(k.clone().transpose()).mul_scalar(scale) + bias;
            let full = softmax(scores, 3).matmul(v.clone());

            let values = max_diff(banded.clone().inner(), full.clone().inner());
            assert!(
                values < 1e-5,
                "len {len}, half {half}: outputs differ by {values}"
            );
            let banded_grads = (banded * weights.clone()).sum().backward();
            let full_grads = (full * weights).sum().backward();
            for (name, t) in [("q", &q), ("k", &k), ("v", &v)] {
                let (a, b) = (t.grad(&banded_grads).unwrap(), t.grad(&full_grads).unwrap());
                let diff = max_diff(a, b);
                assert!(
                    diff < 1e-5,
                    "len {len}, half {half}: d{name} differs by {diff}"
                );
            }
        }
    }

    #[test]
    fn no_band_where_the_window_covers_the_sequence() {
        let device = Default::default();
        assert!(Band::<Flex>::new(4, false, (1, 1, 12), None, &device).is_none());
        assert!(Band::<Flex>::new(0, false, (1, 1, 12), None, &device).is_none());
        assert!(Band::<Flex>::new(4, false, (1, 1, 13), None, &device).is_some());
    }
}
