//! The block cache behind the sampler's `Denoiser::logits_cached` (Fast-dLLM's prefix and
//! dual cache): a call that refreshes runs the whole canvas and records every layer's keys and
//! values for it; later calls run only the window's rows against them. Canvases run one at a
//! time here, each against its own cache (named by its index in the sampler's batch).

use std::collections::HashMap;
use std::ops::Range;

use anyhow::{Result, bail, ensure};
use burn::tensor::{Int, Tensor, TensorData, backend::Backend};
use unmask_sampler::CacheWindow;

use crate::denoiser::MaskedLmDenoiser;
use crate::masked_lm::AnyMaskedLm;

/// One canvas's recorded keys and values, from either model family.
pub enum AnyContextCache<B: Backend> {
    Bert(unmask_roberta::ContextCache<B>),
    ModernBert(unmask_modernbert::ContextCache<B>),
}

impl<B: Backend> AnyContextCache<B> {
    /// Positions held.
    pub fn len(&self) -> usize {
        match self {
            Self::Bert(c) => c.len(),
            Self::ModernBert(c) => c.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The caches of the canvases a sampler runs, by batch index.
pub type BlockCaches<B> = HashMap<usize, AnyContextCache<B>>;

impl<B: Backend> AnyMaskedLm<B> {
    /// [`AnyMaskedLm::encode`] (no padding), recording every layer's keys and values.
    pub fn encode_recording(
        &self,
        input_ids: Tensor<B, 2, Int>,
    ) -> (Tensor<B, 3>, AnyContextCache<B>) {
        match self {
            Self::Bert(m) => {
                let (hidden, cache) = m.encode_recording(input_ids, None, None);
                (hidden, AnyContextCache::Bert(cache))
            }
            Self::ModernBert(m) => {
                let (hidden, cache) = m.encode_recording(input_ids, None);
                (hidden, AnyContextCache::ModernBert(cache))
            }
        }
    }

    /// Hidden states of positions `rows` of `input_ids` (whole sequences as long as the
    /// cache's), attending to `cache` for every other position.
    pub fn encode_rows(
        &self,
        input_ids: Tensor<B, 2, Int>,
        rows: Range<usize>,
        cache: &AnyContextCache<B>,
    ) -> Result<Tensor<B, 3>> {
        let seq = input_ids.dims()[1];
        ensure!(
            cache.len() == seq,
            "the cache holds {} positions, the sequence {seq}",
            cache.len()
        );
        ensure!(
            rows.start < rows.end && rows.end <= seq,
            "rows {rows:?} outside the {seq} positions"
        );
        Ok(match (self, cache) {
            (Self::Bert(m), AnyContextCache::Bert(c)) => m.encode_rows(input_ids, None, rows, c),
            (Self::ModernBert(m), AnyContextCache::ModernBert(c)) => {
                m.encode_rows(input_ids, rows, c)
            }
            _ => bail!("the cache was recorded by the other model family"),
        })
    }
}

impl<B: Backend> MaskedLmDenoiser<B> {
    /// `Denoiser::logits_cached`: each canvas alone, recording its cache where its window
    /// refreshes and running only the window's rows against it otherwise.
    pub(crate) fn cached_logits(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
        windows: &[CacheWindow],
    ) -> Result<Vec<Vec<f32>>> {
        ensure!(
            windows.len() == tokens.len() && positions.len() == tokens.len(),
            "{} cache windows and {} position lists for {} canvases",
            windows.len(),
            positions.len(),
            tokens.len()
        );
        let mut out = Vec::with_capacity(tokens.len());
        for ((canvas, requested), window) in tokens.iter().zip(positions).zip(windows) {
            let rows = window.rows.clone();
            ensure!(
                rows.end <= canvas.len() && requested.iter().all(|p| rows.contains(p)),
                "canvas {}: requested positions {requested:?} outside the rows {rows:?} of a \
                 {}-token canvas",
                window.canvas,
                canvas.len()
            );
            let ids: Vec<i64> = canvas.iter().map(|&t| t as i64).collect();
            let ids = Tensor::<B, 2, Int>::from_data(
                TensorData::new(ids, [1, canvas.len()]),
                &self.device,
            );
            let (hidden, first_row) = if window.refresh {
                let (hidden, cache) = self.model.encode_recording(ids);
                self.caches.insert(window.canvas, cache);
                (hidden, 0)
            } else {
                let Some(cache) = self.caches.get(&window.canvas) else {
                    bail!(
                        "canvas {}: no cache recorded before a cached step",
                        window.canvas
                    );
                };
                (self.model.encode_rows(ids, rows, cache)?, window.rows.start)
            };
            let picks: Vec<i64> = requested.iter().map(|&p| (p - first_row) as i64).collect();
            let picks = Tensor::<B, 1, Int>::from_data(
                TensorData::new(picks, [requested.len()]),
                &self.device,
            );
            let logits = self
                .model
                .logits_at(hidden, picks)
                .into_data()
                .convert::<f32>()
                .into_vec::<f32>()
                .map_err(|e| anyhow::anyhow!("reading logits: {e:?}"))?;
            out.push(logits);
        }
        Ok(out)
    }
}
