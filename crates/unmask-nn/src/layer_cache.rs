//! A layer's recorded keys and values, shared by the models that cache them (ModernBERT's
//! causal decoding and block cache, BERT/RoBERTa's block cache), and the block cache of
//! diffusion decoding: every layer's keys and values of a batch of sequences.

use burn::tensor::{Int, Tensor, TensorData, backend::Backend};

/// Keys and values of one attention layer, `[batch, positions, heads, head_dim]`. Position-major
/// and contiguous, so that splicing rows in copies whole runs of memory; attention takes
/// heads-first views of them.
#[derive(Clone, Debug)]
pub struct LayerCache<B: Backend> {
    pub keys: Tensor<B, 4>,
    pub values: Tensor<B, 4>,
}

impl<B: Backend> LayerCache<B> {
    /// Holds `keys` and `values` (`[batch, positions, heads, head_dim]`), copied into one
    /// contiguous buffer each where they are views of a wider tensor.
    pub fn new(keys: Tensor<B, 4>, values: Tensor<B, 4>) -> Self {
        Self {
            keys: contiguous(keys),
            values: contiguous(values),
        }
    }
}

/// `t` in a buffer of its own: a reshape that cannot reuse a strided view copies it, and one
/// of a contiguous tensor copies nothing.
fn contiguous<B: Backend>(t: Tensor<B, 4>) -> Tensor<B, 4> {
    let dims = t.dims();
    t.reshape([dims[0], dims[1] * dims[2] * dims[3]])
        .reshape(dims)
}

/// `cached` (`[batch, total, heads, head_dim]`) with positions `start..start + fresh.len`
/// replaced by `fresh`.
pub fn splice_rows<B: Backend>(
    cached: &Tensor<B, 4>,
    fresh: Tensor<B, 4>,
    start: usize,
) -> Tensor<B, 4> {
    let total = cached.dims()[1];
    let end = start + fresh.dims()[1];
    let mut parts = Vec::with_capacity(3);
    if start > 0 {
        parts.push(cached.clone().narrow(1, 0, start));
    }
    parts.push(fresh);
    if end < total {
        parts.push(cached.clone().narrow(1, end, total - end));
    }
    match parts.len() {
        1 => parts.pop().expect("one part"),
        _ => Tensor::cat(parts, 1),
    }
}

/// Every layer's keys and values for every position of a batch of sequences, and the padding
/// bias (`[batch, 1, 1, len]`) they were recorded with: the block cache of diffusion decoding
/// (Fast-dLLM's prefix and dual cache), recorded by a model's `encode_recording`.
#[derive(Clone, Debug)]
pub struct ContextCache<B: Backend> {
    pub layers: Vec<LayerCache<B>>,
    pub key_bias: Option<Tensor<B, 4>>,
    /// Positions of each sequence.
    pub len: usize,
}

impl<B: Backend> ContextCache<B> {
    /// Positions of each sequence held.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sequences held.
    pub fn batch(&self) -> usize {
        self.layers.first().map_or(0, |l| l.keys.dims()[0])
    }

    /// The sequences `indices` of the batch, in that order (a copy unless that is the whole
    /// batch in order).
    pub fn select(&self, indices: &[usize]) -> Self {
        if indices.iter().copied().eq(0..self.batch()) {
            return self.clone();
        }
        let Some(first) = self.layers.first() else {
            return self.clone();
        };
        let ids: Vec<i64> = indices.iter().map(|&i| i as i64).collect();
        let ids = Tensor::<B, 1, Int>::from_data(
            TensorData::new(ids, [indices.len()]),
            &first.keys.device(),
        );
        let pick = |t: &Tensor<B, 4>| t.clone().select(0, ids.clone());
        Self {
            layers: self
                .layers
                .iter()
                .map(|l| LayerCache {
                    keys: pick(&l.keys),
                    values: pick(&l.values),
                })
                .collect(),
            key_bias: self.key_bias.as_ref().map(pick),
            len: self.len,
        }
    }

    /// The batches of `parts` one after another; all hold sequences of one length. A part
    /// recorded without padding gets a zero bias when another has one.
    pub fn cat(mut parts: Vec<Self>) -> Self {
        assert!(!parts.is_empty(), "no cache to concatenate");
        if parts.len() == 1 {
            return parts.pop().expect("one part");
        }
        let len = parts[0].len;
        assert!(
            parts
                .iter()
                .all(|p| p.len == len && p.layers.len() == parts[0].layers.len()),
            "caches of different lengths or depths"
        );
        let key_bias = parts.iter().any(|p| p.key_bias.is_some()).then(|| {
            let biases = parts
                .iter()
                .map(|p| match &p.key_bias {
                    Some(bias) => bias.clone(),
                    None => Tensor::zeros([p.batch(), 1, 1, len], &p.layers[0].keys.device()),
                })
                .collect();
            Tensor::cat(biases, 0)
        });
        let layers = (0..parts[0].layers.len())
            .map(|i| LayerCache {
                keys: Tensor::cat(parts.iter().map(|p| p.layers[i].keys.clone()).collect(), 0),
                values: Tensor::cat(
                    parts.iter().map(|p| p.layers[i].values.clone()).collect(),
                    0,
                ),
            })
            .collect();
        Self {
            layers,
            key_bias,
            len,
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::Flex;
    use burn::tensor::TensorData;

    use super::*;

    fn cache(batch: usize, bias: bool) -> ContextCache<Flex> {
        let device = Default::default();
        // Distinct values without burn's global RNG, which dropout's tests in this binary pin.
        let distinct = |offset: usize| {
            let values: Vec<f32> = (0..batch * 30).map(|i| (offset + i) as f32).collect();
            Tensor::from_data(TensorData::new(values, [batch, 5, 2, 3]), &device)
        };
        ContextCache {
            layers: (0..2)
                .map(|layer| LayerCache {
                    keys: distinct(layer * 1000),
                    values: distinct(layer * 1000 + 500),
                })
                .collect(),
            key_bias: bias.then(|| Tensor::ones([batch, 1, 1, 5], &device)),
            len: 5,
        }
    }

    fn rows(t: &Tensor<Flex, 4>, i: usize) -> Vec<f32> {
        t.clone().narrow(0, i, 1).into_data().to_vec().unwrap()
    }

    #[test]
    fn select_and_cat_move_whole_sequences() {
        let (a, b) = (cache(3, false), cache(2, true));
        let joined = ContextCache::cat(vec![a.clone(), b.clone()]);
        assert_eq!(joined.batch(), 5);
        let picked = joined.select(&[4, 0]);
        assert_eq!(picked.batch(), 2);
        for (l, layer) in picked.layers.iter().enumerate() {
            assert_eq!(rows(&layer.keys, 0), rows(&b.layers[l].keys, 1));
            assert_eq!(rows(&layer.values, 1), rows(&a.layers[l].values, 0));
        }
        let bias = picked.key_bias.expect("b had a bias");
        assert_eq!(rows(&bias, 0), vec![1.0; 5]);
        assert_eq!(rows(&bias, 1), vec![0.0; 5], "a had none: zero");
        assert!(
            ContextCache::cat(vec![a.clone(), a.clone()])
                .key_bias
                .is_none()
        );
    }

    #[test]
    fn splice_rows_replaces_positions_of_a_strided_cache() {
        let device = Default::default();
        // Two sequences of 4 positions, 2 heads of 1 dimension: the first and last two columns
        // of a wider tensor, views as a model's fused projection gives them.
        let wide: Vec<f32> = (0..2 * 4 * 4).map(|i| i as f32).collect();
        let wide = Tensor::<Flex, 4>::from_data(TensorData::new(wide, [2, 4, 4, 1]), &device);
        let cached = LayerCache::new(wide.clone().narrow(2, 0, 2), wide.narrow(2, 2, 2)).keys;
        let fresh: Vec<f32> = (0..2 * 2 * 2).map(|i| -(i as f32) - 1.0).collect();
        let fresh = Tensor::from_data(TensorData::new(fresh, [2, 2, 2, 1]), &device);
        let spliced = splice_rows(&cached, fresh, 1);
        assert_eq!(spliced.dims(), [2, 4, 2, 1]);
        let expected = vec![
            0.0, 1.0, -1.0, -2.0, -3.0, -4.0, 12.0, 13.0, //
            16.0, 17.0, -5.0, -6.0, -7.0, -8.0, 28.0, 29.0,
        ];
        assert_eq!(spliced.into_data().to_vec::<f32>().unwrap(), expected);
    }
}
