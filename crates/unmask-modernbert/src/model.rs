//! `ModernBertForMaskedLM`: token embeddings + LayerNorm (no position table), pre-norm layers
//! with rotary attention (global, or within a sliding window), a final norm, and the MLM head
//! (dense, activation, norm) whose decoder is the embedding matrix plus a bias.
//! With `config.causal` the same network attends only to the past: a causal LM.

use burn::module::{Module, Param};
use burn::nn::{Embedding, LayerNorm, Linear};
use burn::tensor::{Int, Tensor, TensorData, backend::Backend};
use unmask_nn::{Activation, Dropout};

use crate::attention::{KeySource, LayerCache, ScoreBias};
use crate::band::Band;
use crate::config::ModernBertConfig;
use crate::context_cache::ContextCache;
use crate::layer::Layer;
use crate::rope::Rope;

/// Additive attention bias for keys a query may not see.
pub(crate) const MASKED_SCORE: f32 = -1e30;

/// The prediction head before the decoder: `norm(act(dense(x)))`.
#[derive(Module, Debug)]
pub struct Head<B: Backend> {
    pub dense: Linear<B>,
    pub activation: Activation,
    pub norm: LayerNorm<B>,
}

#[derive(Module, Debug)]
pub struct ModernBert<B: Backend> {
    pub tok_embeddings: Embedding<B>,
    pub embedding_norm: LayerNorm<B>,
    pub embedding_dropout: Dropout,
    pub layers: Vec<Layer<B>>,
    pub final_norm: LayerNorm<B>,
    pub head: Head<B>,
    /// The decoder bias (`decoder.bias`); the decoder weight is `tok_embeddings`.
    pub decoder_bias: Option<Param<Tensor<B, 1>>>,
    #[module(skip)]
    pub config: ModernBertConfig,
}

/// The per-layer state of incremental causal decoding (see [`ModernBert::forward_cached`]).
#[derive(Clone, Debug)]
pub struct KvCache<B: Backend> {
    layers: Vec<Option<LayerCache<B>>>,
    len: usize,
}

impl<B: Backend> KvCache<B> {
    pub fn new(layers: usize) -> Self {
        Self {
            layers: vec![None; layers],
            len: 0,
        }
    }

    /// Positions already cached.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Which positions a pass runs and where their keys and values come from.
pub(crate) enum Pass<'a, B: Backend> {
    /// Every position, nothing cached.
    Full,
    /// Causal decoding: the positions after the cached ones.
    Causal(&'a mut KvCache<B>),
    /// Every position, each layer's keys and values recorded.
    Record(&'a mut Vec<Option<LayerCache<B>>>),
    /// Positions `start..start + len`, attending to `cache` for the others.
    Rows {
        cache: &'a ContextCache<B>,
        start: usize,
    },
}

/// `[batch, 1, 1, seq]` additive bias hiding the padding of a `[batch, seq]` attention mask.
pub(crate) fn key_bias<B: Backend>(attention_mask: Tensor<B, 2, Int>) -> Tensor<B, 4> {
    let [batch, seq] = attention_mask.dims();
    attention_mask
        .equal_elem(0)
        .float()
        .mul_scalar(MASKED_SCORE)
        .reshape([batch, 1, 1, seq])
}

/// `bias` at the full score shape: repeated into a contiguous tensor on the CPU backends,
/// which add it in place only so; a broadcast view for the fused GPU kernels.
fn full_shape<B: Backend>(bias: Tensor<B, 4>, shape: [usize; 4]) -> Tensor<B, 4> {
    if !unmask_nn::runs_on_host::<B>(&bias.device()) {
        return bias.expand(shape);
    }
    let dims = bias.dims();
    (0..4).fold(bias, |b, d| match dims[d] {
        1 if shape[d] > 1 => b.repeat_dim(d, shape[d]),
        _ => b,
    })
}

impl<B: Backend> ModernBert<B> {
    pub fn config(&self) -> &ModernBertConfig {
        &self.config
    }

    /// `[1, 1, len, keys]`: what query `i` (at position `start + i`) may not see of keys
    /// `0..keys` within a sliding window and, for a causal model, in the future. None when it
    /// sees everything.
    fn position_bias(
        &self,
        (start, len): (usize, usize),
        keys: usize,
        sliding: bool,
        device: &B::Device,
    ) -> Option<Tensor<B, 4>> {
        let half = self.config.local_attention / 2;
        let hidden =
            |q: usize, k: usize| (self.config.causal && k > q) || (sliding && q.abs_diff(k) > half);
        let values: Vec<f32> = (start..start + len)
            .flat_map(|q| (0..keys).map(move |k| (q, k)))
            .map(|(q, k)| if hidden(q, k) { MASKED_SCORE } else { 0.0 })
            .collect();
        values
            .iter()
            .any(|&v| v != 0.0)
            .then(|| Tensor::from_data(TensorData::new(values, [1, 1, len, keys]), device))
    }

    /// Hidden states of `input_ids`, the positions `pass` says, after the final norm.
    pub(crate) fn run_layers(
        &self,
        input_ids: Tensor<B, 2, Int>,
        key_bias: Option<Tensor<B, 4>>,
        mut pass: Pass<'_, B>,
    ) -> Tensor<B, 3> {
        let device = input_ids.device();
        let [batch, len] = input_ids.dims();
        let (start, keys) = match &pass {
            Pass::Full | Pass::Record(_) => (0, len),
            Pass::Causal(cache) => (cache.len, cache.len + len),
            Pass::Rows { cache, start } => (*start, cache.len),
        };
        let (heads, head_dim) = (self.config.num_attention_heads, self.config.head_dim());
        let mut x = self.embedding_dropout.forward(
            self.embedding_norm
                .forward(self.tok_embeddings.forward(input_ids)),
        );
        let ropes = [self.config.global_rope_theta, self.config.local_rope_theta]
            .map(|theta| Rope::new(theta, head_dim, heads, (start, len), &device));
        let score_shape = [batch, heads, len, keys];
        let full = |sliding: bool| {
            let positions = self.position_bias((start, len), keys, sliding, &device);
            let bias = match (positions, key_bias.clone()) {
                (Some(p), Some(k)) => Some(p + k),
                (p, k) => p.or(k),
            };
            bias.map_or(ScoreBias::None, |b| {
                ScoreBias::Full(full_shape(b, score_shape))
            })
        };
        let every_row = matches!(pass, Pass::Full | Pass::Record(_));
        let band = (every_row && unmask_nn::runs_on_host::<B>(&device))
            .then(|| {
                let padding = key_bias.as_ref().map(|bias| {
                    let values = bias.clone().into_data().convert::<f32>().to_vec::<f32>();
                    values
                        .expect("f32 bias")
                        .iter()
                        .map(|&v| v != 0.0)
                        .collect::<Vec<_>>()
                });
                Band::new(
                    self.config.local_attention / 2,
                    self.config.causal,
                    (batch, heads, len),
                    padding.as_deref(),
                    &device,
                )
            })
            .flatten();
        let biases = [
            full(false),
            band.map_or_else(|| full(true), ScoreBias::Band),
        ];
        for (i, layer) in self.layers.iter().enumerate() {
            let kind = usize::from(layer.sliding);
            let source = match &mut pass {
                Pass::Full => KeySource::Own,
                Pass::Causal(cache) => KeySource::Append(&mut cache.layers[i]),
                Pass::Record(layers) => KeySource::Append(&mut layers[i]),
                Pass::Rows { cache, start } => KeySource::Splice {
                    cache: &cache.layers[i],
                    start: *start,
                },
            };
            x = layer.forward(x, &ropes[kind], &biases[kind], source);
        }
        if let Pass::Causal(cache) = pass {
            cache.len += len;
        }
        self.final_norm.forward(x)
    }

    /// Last hidden states `[batch, seq, hidden]` (after the final norm).
    ///
    /// `attention_mask`: `[batch, seq]`, 1 for tokens and 0 for padding (None: attend to all).
    /// Padding goes on the right: positions count from the first token.
    pub fn encode(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Option<Tensor<B, 2, Int>>,
    ) -> Tensor<B, 3> {
        self.run_layers(input_ids, attention_mask.map(key_bias), Pass::Full)
    }

    /// Causal decoding, a step at a time: hidden states of `input_ids` (the tokens after the
    /// `cache.len()` already seen), attending to the cached keys and values; the cache grows.
    pub fn forward_cached(
        &self,
        input_ids: Tensor<B, 2, Int>,
        cache: &mut KvCache<B>,
    ) -> Tensor<B, 3> {
        assert!(
            self.config.causal,
            "a key/value cache serves only a causal model"
        );
        self.run_layers(input_ids, None, Pass::Causal(cache))
    }

    /// Logits at every position: `[batch, seq, vocab]`.
    pub fn forward(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Option<Tensor<B, 2, Int>>,
    ) -> Tensor<B, 3> {
        let hidden = self.encode(input_ids, attention_mask);
        let [batch, seq, h] = hidden.dims();
        self.head_logits(hidden.reshape([batch * seq, h])).reshape([
            batch,
            seq,
            self.config.vocab_size,
        ])
    }

    /// Logits only at `flat_positions` (indices into the `batch * seq` positions of
    /// `hidden`): `[n, vocab]`.
    pub fn logits_at(
        &self,
        hidden: Tensor<B, 3>,
        flat_positions: Tensor<B, 1, Int>,
    ) -> Tensor<B, 2> {
        let [batch, seq, h] = hidden.dims();
        self.head_logits(hidden.reshape([batch * seq, h]).select(0, flat_positions))
    }

    /// The head and the tied decoder on `[n, hidden]` rows.
    pub fn head_logits(&self, rows: Tensor<B, 2>) -> Tensor<B, 2> {
        let h = &self.head;
        let x = h.norm.forward(h.activation.forward(h.dense.forward(rows)));
        let logits = x.matmul(self.tok_embeddings.weight.val().transpose());
        match &self.decoder_bias {
            Some(bias) => logits + bias.val().unsqueeze(),
            None => logits,
        }
    }
}
