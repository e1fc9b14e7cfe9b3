//! ModernBERT's self-attention: one fused `Wqkv` projection, rotary positions on queries and
//! keys, an additive bias for padding, the sliding window and the causal mask, and `Wo`.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::softmax;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Tensor, backend::Backend};
use unmask_nn::Dropout;
pub use unmask_nn::LayerCache;
use unmask_nn::layer_cache::splice_rows;

use crate::band::Band;
use crate::rope::Rope;

/// What a layer adds to its attention scores.
#[derive(Clone, Debug)]
pub enum ScoreBias<B: Backend> {
    /// Every query sees every key.
    None,
    /// Additive, `[batch, heads, len, keys]` at its full shape (the CPU backend adds it in
    /// place; the fused GPU kernels require it).
    Full(Tensor<B, 4>),
    /// Sliding-window attention in blocks (CPU backends, no cache).
    Band(Band<B>),
}

/// Where a layer's attention takes its keys and values from.
pub enum KeySource<'a, B: Backend> {
    /// This call's positions only.
    Own,
    /// The cached ones followed by this call's; the cache grows (causal decoding; from an
    /// empty cache, a full pass that records its keys and values).
    Append(&'a mut Option<LayerCache<B>>),
    /// Every position of a sequence from `cache`, this call's rows (positions
    /// `start..start + len`) computed afresh in place of the cached ones; the cache is left as
    /// it was.
    Splice {
        cache: &'a LayerCache<B>,
        start: usize,
    },
}

#[derive(Module, Debug)]
pub struct Attention<B: Backend> {
    pub wqkv: Linear<B>,
    pub wo: Linear<B>,
    pub attention_dropout: Dropout,
    pub output_dropout: Dropout,
    pub num_heads: usize,
}

impl<B: Backend> Attention<B> {
    /// `x`: `[batch, len, hidden]`; `keys` says which keys and values the queries see.
    pub fn forward(
        &self,
        x: Tensor<B, 3>,
        rope: &Rope<B>,
        bias: &ScoreBias<B>,
        keys: KeySource<'_, B>,
    ) -> Tensor<B, 3> {
        let [batch, len, hidden] = x.dims();
        let heads = self.num_heads;
        let head_dim = hidden / heads;
        let qkv = self.wqkv.forward(x);
        let (q, k) = rope.apply(qkv.clone().narrow(2, 0, 2 * hidden));
        // Keys and values position-major, as the cache holds them.
        let mut k = k.swap_dims(1, 2);
        let mut v = qkv
            .reshape([batch, len, 3 * heads, head_dim])
            .narrow(2, 2 * heads, heads);
        match keys {
            KeySource::Own => {}
            KeySource::Append(cache) => {
                if let Some(past) = cache.take() {
                    k = Tensor::cat(vec![past.keys, k], 1);
                    v = Tensor::cat(vec![past.values, v], 1);
                }
                *cache = Some(LayerCache::new(k.clone(), v.clone()));
            }
            KeySource::Splice { cache, start } => {
                k = splice_rows(&cache.keys, k, start);
                v = splice_rows(&cache.values, v, start);
            }
        }
        let (k, v) = (k.swap_dims(1, 2), v.swap_dims(1, 2));

        let device = q.device();
        let scale = (head_dim as f64).sqrt().recip();
        let dropout = B::ad_enabled(&device) && self.attention_dropout.prob > 0.0;
        // As in unmask-roberta: batched matmuls use every core on the CPU backends (Flex's
        // fused kernel runs one head at a time); GPU backends get the fused op.
        let context = match bias {
            ScoreBias::Band(band) => band.context(q, k, v, scale, &self.attention_dropout),
            ScoreBias::Full(_) | ScoreBias::None
                if dropout || unmask_nn::runs_on_host::<B>(&device) =>
            {
                let mut scores = q.matmul(k.transpose()).mul_scalar(scale);
                if let ScoreBias::Full(bias) = bias {
                    scores = scores + bias.clone();
                }
                self.attention_dropout.forward(softmax(scores, 3)).matmul(v)
            }
            ScoreBias::Full(_) | ScoreBias::None => {
                let bias = match bias {
                    ScoreBias::Full(bias) => Some(bias.clone()),
                    _ => None,
                };
                attention(q, k, v, None, bias, AttentionModuleOptions::default())
            }
        };
        let context = context.swap_dims(1, 2).reshape([batch, len, hidden]);
        self.output_dropout.forward(self.wo.forward(context))
    }
}
