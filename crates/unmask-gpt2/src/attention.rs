use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::softmax;
use burn::tensor::{Bool, Tensor, backend::Backend};
use unmask_nn::Dropout;

use crate::kv_cache::LayerCache;

/// Causal multi-head self-attention with GPT-2's fused query/key/value projection.
#[derive(Module, Debug)]
pub struct CausalSelfAttention<B: Backend> {
    /// `[n_embd, 3 * n_embd]`: query, key and value, in that order.
    pub c_attn: Linear<B>,
    pub c_proj: Linear<B>,
    pub attn_dropout: Dropout,
    pub resid_dropout: Dropout,
    pub n_head: usize,
    #[module(skip)]
    pub scale: f64,
}

impl<B: Backend> CausalSelfAttention<B> {
    /// `x`: `[batch, seq, n_embd]`, the new positions. With `cache`, they attend to the
    /// cached keys/values first and their own keys/values are appended to it.
    pub fn forward(&self, x: Tensor<B, 3>, cache: Option<&mut LayerCache<B>>) -> Tensor<B, 3> {
        let [batch, seq, n_embd] = x.dims();
        let head_dim = n_embd / self.n_head;
        let heads = |t: Tensor<B, 3>| {
            t.reshape([batch, seq, self.n_head, head_dim])
                .swap_dims(1, 2)
        };
        let qkv = self.c_attn.forward(x);
        let q = heads(qkv.clone().narrow(2, 0, n_embd));
        let k = heads(qkv.clone().narrow(2, n_embd, n_embd));
        let v = heads(qkv.narrow(2, 2 * n_embd, n_embd));
        let (k, v) = match cache {
            Some(cache) => cache.append(k, v),
            None => (k, v),
        };
        let past = k.dims()[2] - seq;

        let mut scores = q.matmul(k.transpose()).mul_scalar(self.scale);
        if seq > 1 {
            // Query i sits at position past + i and sees keys 0..=past + i.
            let future =
                Tensor::<B, 2, Bool>::tril_mask([seq, past + seq], past as i64, &scores.device());
            let future = future
                .unsqueeze::<4>()
                .expand([batch, self.n_head, seq, past + seq]);
            scores = scores.mask_fill(future, f32::MIN);
        }
        let probs = self.attn_dropout.forward(softmax(scores, 3));
        let context = probs
            .matmul(v)
            .swap_dims(1, 2)
            .reshape([batch, seq, n_embd]);
        self.resid_dropout.forward(self.c_proj.forward(context))
    }
}
