//! ModernBERT's self-attention: one fused `Wqkv` projection, rotary positions on queries and
//! keys, an additive bias for padding, the sliding window and the causal mask, and `Wo`.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::softmax;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Tensor, backend::Backend};
use unmask_nn::Dropout;

use crate::rope::Rope;

/// Keys and values of the positions seen so far (rotated keys), `[batch, heads, len, head_dim]`.
#[derive(Clone, Debug)]
pub struct LayerCache<B: Backend> {
    pub keys: Tensor<B, 4>,
    pub values: Tensor<B, 4>,
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
    /// `x`: `[batch, len, hidden]`; `bias`: additive, `[batch, heads, len, keys]` (at its full
    /// shape: the CPU backend adds it in place, the fused GPU kernels require it). With `cache`, the keys are the cached ones followed by
    /// this call's, and the cache grows by `len`.
    pub fn forward(
        &self,
        x: Tensor<B, 3>,
        rope: &Rope<B>,
        bias: Option<Tensor<B, 4>>,
        cache: Option<&mut Option<LayerCache<B>>>,
    ) -> Tensor<B, 3> {
        let [batch, len, hidden] = x.dims();
        let heads = self.num_heads;
        let head_dim = hidden / heads;
        let qkv = self.wqkv.forward(x);
        let (q, mut k) = rope.apply(qkv.clone().narrow(2, 0, 2 * hidden));
        let mut v = qkv
            .reshape([batch, len, 3 * heads, head_dim])
            .swap_dims(1, 2)
            .narrow(1, 2 * heads, heads);
        if let Some(cache) = cache {
            if let Some(past) = cache.take() {
                k = Tensor::cat(vec![past.keys, k], 2);
                v = Tensor::cat(vec![past.values, v], 2);
            }
            *cache = Some(LayerCache {
                keys: k.clone(),
                values: v.clone(),
            });
        }

        let device = q.device();
        let dropout = B::ad_enabled(&device) && self.attention_dropout.prob > 0.0;
        // As in unmask-roberta: batched matmuls use every core on the CPU backends (Flex's
        // fused kernel runs one head at a time); GPU backends get the fused op. The queries
        // come scaled by 1/sqrt(head_dim) from the rotary tables.
        let context = if dropout || unmask_nn::runs_on_host::<B>(&device) {
            let mut scores = q.matmul(k.transpose());
            if let Some(bias) = bias {
                scores = scores + bias;
            }
            self.attention_dropout.forward(softmax(scores, 3)).matmul(v)
        } else {
            let options = AttentionModuleOptions {
                scale: Some(1.0),
                ..Default::default()
            };
            attention(q, k, v, None, bias, options)
        };
        let context = context.swap_dims(1, 2).reshape([batch, len, hidden]);
        self.output_dropout.forward(self.wo.forward(context))
    }
}
