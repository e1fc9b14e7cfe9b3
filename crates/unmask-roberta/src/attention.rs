use burn::module::Module;
use burn::nn::{LayerNorm, Linear};
use burn::tensor::activation::softmax;
use burn::tensor::module::attention;
use burn::tensor::ops::AttentionModuleOptions;
use burn::tensor::{Tensor, backend::Backend};
use unmask_nn::Dropout;
pub use unmask_nn::LayerCache;
use unmask_nn::layer_cache::splice_rows;

/// Where a layer's attention takes its keys and values from.
pub enum KeySource<'a, B: Backend> {
    /// This call's positions only.
    Own,
    /// This call's positions only, recorded into the slot.
    Record(&'a mut Option<LayerCache<B>>),
    /// Every position of a sequence from `cache`, this call's rows (positions
    /// `start..start + len`) computed afresh in place of the cached ones.
    Splice {
        cache: &'a LayerCache<B>,
        start: usize,
    },
}

/// Bidirectional multi-head self-attention with BERT's output block
/// (dense, dropout, residual, post-LayerNorm).
#[derive(Module, Debug)]
pub struct SelfAttention<B: Backend> {
    pub query: Linear<B>,
    pub key: Linear<B>,
    pub value: Linear<B>,
    pub output: Linear<B>,
    pub layer_norm: LayerNorm<B>,
    pub attention_dropout: Dropout,
    pub output_dropout: Dropout,
    pub num_heads: usize,
}

impl<B: Backend> SelfAttention<B> {
    /// `x`: `[batch, seq, hidden]`; `key_bias`: `[batch, 1, 1, keys]`, 0 for real tokens and a
    /// large negative number for padding; `source`: which keys and values the queries see.
    pub fn forward(
        &self,
        x: Tensor<B, 3>,
        key_bias: Option<Tensor<B, 4>>,
        source: KeySource<'_, B>,
    ) -> Tensor<B, 3> {
        let [batch, seq, hidden] = x.dims();
        let head_dim = hidden / self.num_heads;
        let positions_first = |t: Tensor<B, 3>| t.reshape([batch, seq, self.num_heads, head_dim]);
        let q = positions_first(self.query.forward(x.clone())).swap_dims(1, 2);
        let mut k = positions_first(self.key.forward(x.clone()));
        let mut v = positions_first(self.value.forward(x.clone()));
        match source {
            KeySource::Own => {}
            KeySource::Record(slot) => *slot = Some(LayerCache::new(k.clone(), v.clone())),
            KeySource::Splice { cache, start } => {
                k = splice_rows(&cache.keys, k, start);
                v = splice_rows(&cache.values, v, start);
            }
        }
        let (k, v) = (k.swap_dims(1, 2), v.swap_dims(1, 2));

        let device = x.device();
        let dropout = B::ad_enabled(&device) && self.attention_dropout.prob > 0.0;
        // Flex's fused kernel runs one (batch, head) at a time on one thread; batched matmuls
        // use every core. GPU backends get flash attention from the fused op.
        let context = if dropout || unmask_nn::runs_on_host::<B>(&device) {
            let mut scores = q.matmul(k.transpose()) / (head_dim as f64).sqrt();
            if let Some(bias) = key_bias {
                scores = scores + bias;
            }
            let probs = self.attention_dropout.forward(softmax(scores, 3));
            probs.matmul(v)
        } else {
            attention(q, k, v, None, key_bias, AttentionModuleOptions::default())
        };
        let context = context.swap_dims(1, 2).reshape([batch, seq, hidden]);
        let out = self.output_dropout.forward(self.output.forward(context));
        self.layer_norm.forward(out + x)
    }
}
