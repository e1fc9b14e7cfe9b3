//! The burn masked LM behind the sampler's `Denoiser` trait: one encoder pass over the
//! batch, then the head (dense, LayerNorm, vocabulary projection) only on the hidden states
//! gathered at the requested positions; only those `[n, vocab]` logits reach the host, in one
//! copy (none more for a single canvas). Under a block cache, `block_cache.rs`.

use burn::tensor::{Int, Tensor, TensorData, backend::Backend};
use unmask_sampler::{CacheWindow, Denoiser};

use crate::block_cache::BlockCaches;
use crate::masked_lm::AnyMaskedLm;

pub struct MaskedLmDenoiser<B: Backend> {
    pub model: AnyMaskedLm<B>,
    pub device: B::Device,
    /// The block cache of each canvas of the sampler's batch (`block_cache.rs`).
    pub(crate) caches: BlockCaches<B>,
}

impl<B: Backend> MaskedLmDenoiser<B> {
    /// A BERT/RoBERTa `MaskedLm`, a `ModernBert` or an [`AnyMaskedLm`].
    pub fn new(model: impl Into<AnyMaskedLm<B>>, device: B::Device) -> Self {
        Self {
            model: model.into(),
            device,
            caches: BlockCaches::default(),
        }
    }
}

impl<B: Backend> Denoiser for MaskedLmDenoiser<B> {
    fn vocab_size(&self) -> usize {
        self.model.vocab_size()
    }

    fn logits(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        let batch = tokens.len();
        let seq = tokens.iter().map(|t| t.len()).max().unwrap_or(0);
        let pad = self.model.pad_token_id() as i64;
        let ragged = tokens.iter().any(|t| t.len() != seq);
        let mut ids = Vec::with_capacity(batch * seq);
        let mut mask = Vec::with_capacity(batch * seq);
        for t in tokens {
            ids.extend(t.iter().map(|&x| x as i64));
            mask.extend(std::iter::repeat_n(1i64, t.len()));
            ids.extend(std::iter::repeat_n(pad, seq - t.len()));
            mask.extend(std::iter::repeat_n(0i64, seq - t.len()));
        }
        let flat: Vec<i64> = positions
            .iter()
            .enumerate()
            .flat_map(|(b, ps)| ps.iter().map(move |&p| (b * seq + p) as i64))
            .collect();
        let n = flat.len();
        let input =
            Tensor::<B, 2, Int>::from_data(TensorData::new(ids, [batch, seq]), &self.device);
        let attention = ragged.then(|| {
            Tensor::<B, 2, Int>::from_data(TensorData::new(mask, [batch, seq]), &self.device)
        });
        let picks = Tensor::<B, 1, Int>::from_data(TensorData::new(flat, [n]), &self.device);
        let hidden = self.model.encode(input, attention);
        let logits = self
            .model
            .logits_at(hidden, picks)
            .into_data()
            .convert::<f32>()
            .into_vec::<f32>()
            .map_err(|e| anyhow::anyhow!("reading logits: {e:?}"))?;
        if batch == 1 {
            // One canvas: its rows are the whole buffer, no second copy.
            return Ok(vec![logits]);
        }
        let vocab = self.vocab_size();
        let mut out = Vec::with_capacity(batch);
        let mut offset = 0;
        for ps in positions {
            let len = ps.len() * vocab;
            out.push(logits[offset..offset + len].to_vec());
            offset += len;
        }
        Ok(out)
    }

    fn logits_cached(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
        windows: &[CacheWindow],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        self.cached_logits(tokens, positions, windows)
    }
}
