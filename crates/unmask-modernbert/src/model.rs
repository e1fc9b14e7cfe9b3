//! `ModernBertForMaskedLM`: token embeddings + LayerNorm (no position table), pre-norm layers
//! with rotary attention (global, or within a sliding window), a final norm, and the MLM head
//! (dense, activation, norm) whose decoder is the embedding matrix plus a bias.
//! With `config.causal` the same network attends only to the past: a causal LM.

use burn::module::{Module, Param};
use burn::nn::{Embedding, LayerNorm, Linear};
use burn::tensor::{Int, Tensor, TensorData, backend::Backend};
use unmask_nn::{Activation, Dropout};

use crate::attention::{LayerCache, ScoreBias};
use crate::band::Band;
use crate::config::ModernBertConfig;
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

    /// `[1, 1, len, past + len]`: what query `i` (at position `past + i`) may not see within
    /// a sliding window and, for a causal model, in the future. None when it sees everything.
    fn position_bias(
        &self,
        past: usize,
        len: usize,
        sliding: bool,
        device: &B::Device,
    ) -> Option<Tensor<B, 4>> {
        let half = self.config.local_attention / 2;
        let keys = past + len;
        let hidden =
            |q: usize, k: usize| (self.config.causal && k > q) || (sliding && q.abs_diff(k) > half);
        let values: Vec<f32> = (past..keys)
            .flat_map(|q| (0..keys).map(move |k| (q, k)))
            .map(|(q, k)| if hidden(q, k) { MASKED_SCORE } else { 0.0 })
            .collect();
        values
            .iter()
            .any(|&v| v != 0.0)
            .then(|| Tensor::from_data(TensorData::new(values, [1, 1, len, keys]), device))
    }

    fn run_layers(
        &self,
        input_ids: Tensor<B, 2, Int>,
        key_bias: Option<Tensor<B, 4>>,
        mut cache: Option<&mut KvCache<B>>,
    ) -> Tensor<B, 3> {
        let device = input_ids.device();
        let [batch, len] = input_ids.dims();
        let past = cache.as_ref().map_or(0, |c| c.len);
        let (heads, head_dim) = (self.config.num_attention_heads, self.config.head_dim());
        let mut x = self.embedding_dropout.forward(
            self.embedding_norm
                .forward(self.tok_embeddings.forward(input_ids)),
        );
        let ropes = [self.config.global_rope_theta, self.config.local_rope_theta]
            .map(|theta| Rope::new(theta, head_dim, heads, (past, len), &device));
        let score_shape = [batch, heads, len, past + len];
        let full = |sliding: bool| {
            let positions = self.position_bias(past, len, sliding, &device);
            let bias = match (positions, key_bias.clone()) {
                (Some(p), Some(k)) => Some(p + k),
                (p, k) => p.or(k),
            };
            bias.map_or(ScoreBias::None, |b| {
                ScoreBias::Full(full_shape(b, score_shape))
            })
        };
        let band = (cache.is_none() && unmask_nn::runs_on_host::<B>(&device))
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
            let layer_cache = cache.as_mut().map(|c| &mut c.layers[i]);
            x = layer.forward(x, &ropes[kind], &biases[kind], layer_cache);
        }
        if let Some(cache) = cache {
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
        let key_bias = attention_mask.map(|mask| {
            let [batch, seq] = mask.dims();
            mask.equal_elem(0)
                .float()
                .mul_scalar(MASKED_SCORE)
                .reshape([batch, 1, 1, seq])
        });
        self.run_layers(input_ids, key_bias, None)
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
        self.run_layers(input_ids, None, Some(cache))
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
