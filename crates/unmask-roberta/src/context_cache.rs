//! The block cache of diffusion decoding (Fast-dLLM's prefix and dual cache): one full pass
//! records every layer's keys and values; later passes run only some rows of the sequence,
//! attending to the recorded keys and values for every other position. Rows run again get
//! their keys and values afresh; the cache itself changes only when recorded anew.

use std::ops::Range;

use burn::tensor::{Int, Tensor, backend::Backend};

use crate::attention::KeySource;
use crate::model::{MaskedLm, key_bias};

pub use unmask_nn::ContextCache;

impl<B: Backend> MaskedLm<B> {
    /// [`MaskedLm::encode`], recording every layer's keys and values.
    pub fn encode_recording(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Option<Tensor<B, 2, Int>>,
        token_type_ids: Option<Tensor<B, 2, Int>>,
    ) -> (Tensor<B, 3>, ContextCache<B>) {
        let len = input_ids.dims()[1];
        let key_bias = attention_mask.map(key_bias);
        let mut x = self.embeddings.forward(input_ids, token_type_ids);
        let mut layers = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let mut slot = None;
            x = layer.forward(x, key_bias.clone(), KeySource::Record(&mut slot));
            layers.push(slot.expect("the layer records"));
        }
        let cache = ContextCache {
            layers,
            key_bias,
            len,
        };
        (x, cache)
    }

    /// Hidden states `[batch, rows.len(), hidden]` of positions `rows` of `input_ids` (the
    /// whole sequences, `[batch, cache.len()]`), attending to `cache` for every other
    /// position. With `cache` recorded from these same ids, equals `encode` at those rows.
    pub fn encode_rows(
        &self,
        input_ids: Tensor<B, 2, Int>,
        token_type_ids: Option<Tensor<B, 2, Int>>,
        rows: Range<usize>,
        cache: &ContextCache<B>,
    ) -> Tensor<B, 3> {
        let seq = input_ids.dims()[1];
        assert_eq!(seq, cache.len, "the cache holds other sequences");
        assert!(
            rows.start < rows.end && rows.end <= seq,
            "rows {rows:?} outside 0..{seq}"
        );
        let start = rows.start;
        let mut x = self
            .embeddings
            .forward_rows(input_ids, token_type_ids, rows);
        for (layer, cached) in self.layers.iter().zip(&cache.layers) {
            let source = KeySource::Splice {
                cache: cached,
                start,
            };
            x = layer.forward(x, cache.key_bias.clone(), source);
        }
        x
    }
}
