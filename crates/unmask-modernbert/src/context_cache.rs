//! The block cache of a bidirectional model (Fast-dLLM's prefix and dual cache): one full
//! pass records every layer's keys and values; later passes run only some rows of the
//! sequence, attending to the recorded keys and values for every other position. Rows run
//! again get their keys and values afresh; the cache itself changes only when recorded anew.

use std::ops::Range;

use burn::tensor::{Int, Tensor, backend::Backend};

use crate::model::{ModernBert, Pass, key_bias};

// ModernBERT records its keys after rotation.
pub use unmask_nn::ContextCache;

impl<B: Backend> ModernBert<B> {
    /// [`ModernBert::encode`], recording every layer's keys and values.
    pub fn encode_recording(
        &self,
        input_ids: Tensor<B, 2, Int>,
        attention_mask: Option<Tensor<B, 2, Int>>,
    ) -> (Tensor<B, 3>, ContextCache<B>) {
        let len = input_ids.dims()[1];
        let key_bias = attention_mask.map(key_bias);
        let mut layers = vec![None; self.layers.len()];
        let hidden = self.run_layers(input_ids, key_bias.clone(), Pass::Record(&mut layers));
        let layers = layers
            .into_iter()
            .map(|l| l.expect("every layer records"))
            .collect();
        let cache = ContextCache {
            layers,
            key_bias,
            len,
        };
        (hidden, cache)
    }

    /// Hidden states `[batch, rows.len(), hidden]` of positions `rows` of `input_ids` (the
    /// whole sequences, `[batch, cache.len()]`), attending to `cache` for every other
    /// position. With `cache` recorded from these same ids, equals
    /// `encode(input_ids, mask)` at those rows.
    pub fn encode_rows(
        &self,
        input_ids: Tensor<B, 2, Int>,
        rows: Range<usize>,
        cache: &ContextCache<B>,
    ) -> Tensor<B, 3> {
        let [batch, seq] = input_ids.dims();
        assert_eq!(seq, cache.len, "the cache holds other sequences");
        assert!(
            rows.start < rows.end && rows.end <= seq,
            "rows {rows:?} outside 0..{seq}"
        );
        let ids = input_ids.slice([0..batch, rows.clone()]);
        let pass = Pass::Rows {
            cache,
            start: rows.start,
        };
        self.run_layers(ids, cache.key_bias.clone(), pass)
    }
}
