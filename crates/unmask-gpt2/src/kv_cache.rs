use burn::tensor::{Tensor, backend::Backend};

use crate::config::Gpt2Config;

/// One layer's cached keys and values, `[batch, n_head, len, head_dim]` each.
#[derive(Debug, Clone)]
pub struct LayerCache<B: Backend> {
    keys_values: Option<(Tensor<B, 4>, Tensor<B, 4>)>,
}

impl<B: Backend> Default for LayerCache<B> {
    fn default() -> Self {
        Self { keys_values: None }
    }
}

impl<B: Backend> LayerCache<B> {
    /// Appends the new positions' keys and values; returns all of them.
    pub fn append(&mut self, k: Tensor<B, 4>, v: Tensor<B, 4>) -> (Tensor<B, 4>, Tensor<B, 4>) {
        let (k, v) = match self.keys_values.take() {
            Some((past_k, past_v)) => (
                Tensor::cat(vec![past_k, k], 2),
                Tensor::cat(vec![past_v, v], 2),
            ),
            None => (k, v),
        };
        self.keys_values = Some((k.clone(), v.clone()));
        (k, v)
    }
}

/// The keys and values of every layer for the positions a model has seen so far, so that
/// each new token costs one position's work instead of a full forward pass.
#[derive(Debug, Clone)]
pub struct KvCache<B: Backend> {
    pub(crate) layers: Vec<LayerCache<B>>,
    pub(crate) len: usize,
    pub(crate) batch: Option<usize>,
    pub(crate) max_len: usize,
}

impl<B: Backend> KvCache<B> {
    /// An empty cache for a model with `config`'s shapes.
    pub fn new(config: &Gpt2Config) -> Self {
        Self {
            layers: (0..config.n_layer).map(|_| LayerCache::default()).collect(),
            len: 0,
            batch: None,
            max_len: config.n_positions,
        }
    }

    /// How many positions are cached (the position of the next token).
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// How many more positions fit before `n_positions`.
    pub fn remaining(&self) -> usize {
        self.max_len - self.len
    }

    /// Forgets every position.
    pub fn clear(&mut self) {
        self.layers.iter_mut().for_each(|l| l.keys_values = None);
        self.len = 0;
        self.batch = None;
    }
}
