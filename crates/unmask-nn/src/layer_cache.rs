//! A layer's recorded keys and values, shared by the models that cache them (ModernBERT's
//! causal decoding and block cache, BERT/RoBERTa's block cache).

use burn::tensor::{Tensor, backend::Backend};

/// Keys and values of one attention layer, `[batch, heads, positions, head_dim]`.
#[derive(Clone, Debug)]
pub struct LayerCache<B: Backend> {
    pub keys: Tensor<B, 4>,
    pub values: Tensor<B, 4>,
}

/// `cached` (`[batch, heads, total, head_dim]`) with rows `start..start + fresh.len` replaced
/// by `fresh`.
pub fn splice_rows<B: Backend>(
    cached: &Tensor<B, 4>,
    fresh: Tensor<B, 4>,
    start: usize,
) -> Tensor<B, 4> {
    let total = cached.dims()[2];
    let end = start + fresh.dims()[2];
    let mut parts = Vec::with_capacity(3);
    if start > 0 {
        parts.push(cached.clone().narrow(2, 0, start));
    }
    parts.push(fresh);
    if end < total {
        parts.push(cached.clone().narrow(2, end, total - end));
    }
    match parts.len() {
        1 => parts.pop().expect("one part"),
        _ => Tensor::cat(parts, 2),
    }
}
