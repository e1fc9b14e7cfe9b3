//! The block cache behind the sampler's `Denoiser::logits_cached` (Fast-dLLM's prefix and
//! dual cache): a call that refreshes runs whole canvases and records every layer's keys and
//! values for them; later calls run only the window's rows against them. The canvases of a
//! call that share a length and a window run as one batch (the sampler moves a batch through
//! each block together, so a `--num-samples` batch is one forward per step); each canvas is
//! named by its index in the sampler's batch.

use std::ops::Range;

use anyhow::{Result, ensure};
use burn::tensor::{Int, Tensor, TensorData, backend::Backend};
use unmask_nn::ContextCache;
use unmask_sampler::CacheWindow;

use crate::denoiser::MaskedLmDenoiser;
use crate::masked_lm::AnyMaskedLm;

/// The recorded caches of the canvases a sampler runs. Each entry is a batch recorded (or
/// selected) together, with the canvas of each of its rows; a row whose canvas was recorded
/// again since is stale (`None`).
pub struct BlockCaches<B: Backend> {
    entries: Vec<(Vec<Option<usize>>, ContextCache<B>)>,
}

impl<B: Backend> Default for BlockCaches<B> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<B: Backend> BlockCaches<B> {
    /// `cache` holds `canvases`, in batch order, replacing what was held for them.
    fn insert(&mut self, canvases: &[usize], cache: ContextCache<B>) {
        for (rows, _) in &mut self.entries {
            for row in rows.iter_mut() {
                if row.is_some_and(|c| canvases.contains(&c)) {
                    *row = None;
                }
            }
        }
        self.entries
            .retain(|(rows, _)| rows.iter().any(Option::is_some));
        self.entries
            .push((canvases.iter().copied().map(Some).collect(), cache));
    }

    /// The caches of `canvases` as one batch, in that order: an entry as recorded when it
    /// holds exactly these, else their rows selected and joined (and kept as a new entry, so
    /// the next call of the same canvases copies nothing).
    fn batch_of(&mut self, canvases: &[usize]) -> Result<ContextCache<B>> {
        let mut found = Vec::with_capacity(canvases.len());
        for &canvas in canvases {
            let place = self.entries.iter().enumerate().find_map(|(e, (rows, _))| {
                rows.iter()
                    .position(|&r| r == Some(canvas))
                    .map(|row| (e, row))
            });
            let Some(place) = place else {
                anyhow::bail!("canvas {canvas}: no cache recorded before a cached step");
            };
            found.push(place);
        }
        let (entry, _) = found[0];
        let (rows, cache) = &self.entries[entry];
        if rows.len() == canvases.len() && found.iter().enumerate().all(|(i, &p)| p == (entry, i)) {
            return Ok(cache.clone());
        }
        let mut parts = Vec::new();
        let mut start = 0;
        while start < found.len() {
            let entry = found[start].0;
            let end = start
                + found[start..]
                    .iter()
                    .take_while(|(e, _)| *e == entry)
                    .count();
            let rows: Vec<usize> = found[start..end].iter().map(|&(_, row)| row).collect();
            parts.push(self.entries[entry].1.select(&rows));
            start = end;
        }
        let cache = ContextCache::cat(parts);
        self.insert(canvases, cache.clone());
        Ok(cache)
    }
}

impl<B: Backend> AnyMaskedLm<B> {
    /// [`AnyMaskedLm::encode`] (no padding), recording every layer's keys and values.
    pub fn encode_recording(
        &self,
        input_ids: Tensor<B, 2, Int>,
    ) -> (Tensor<B, 3>, ContextCache<B>) {
        match self {
            Self::Bert(m) => m.encode_recording(input_ids, None, None),
            Self::ModernBert(m) => m.encode_recording(input_ids, None),
        }
    }

    /// Hidden states of positions `rows` of `input_ids` (whole sequences, one per sequence
    /// of the cache, as long as the cache's), attending to `cache` for every other position.
    pub fn encode_rows(
        &self,
        input_ids: Tensor<B, 2, Int>,
        rows: Range<usize>,
        cache: &ContextCache<B>,
    ) -> Result<Tensor<B, 3>> {
        let [batch, seq] = input_ids.dims();
        ensure!(
            cache.len() == seq && cache.batch() == batch,
            "the cache holds {} sequences of {} positions, the input {batch} of {seq}",
            cache.batch(),
            cache.len()
        );
        ensure!(
            rows.start < rows.end && rows.end <= seq,
            "rows {rows:?} outside the {seq} positions"
        );
        Ok(match self {
            Self::Bert(m) => m.encode_rows(input_ids, None, rows, cache),
            Self::ModernBert(m) => m.encode_rows(input_ids, rows, cache),
        })
    }
}

/// The canvases of a call that run as one batch share their length and the rows they run
/// (`None`: a recording pass over the whole canvas).
type PassKey = (usize, Option<Range<usize>>);

impl<B: Backend> MaskedLmDenoiser<B> {
    /// `Denoiser::logits_cached`: the canvases of one length that record together run as one
    /// batch through a recording pass; those of one length and window as one batch of rows
    /// against their caches.
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
        let mut groups: Vec<(PassKey, Vec<usize>)> = Vec::new();
        for (b, ((canvas, requested), window)) in
            tokens.iter().zip(positions).zip(windows).enumerate()
        {
            let rows = &window.rows;
            ensure!(
                rows.end <= canvas.len() && requested.iter().all(|p| rows.contains(p)),
                "canvas {}: requested positions {requested:?} outside the rows {rows:?} of a \
                 {}-token canvas",
                window.canvas,
                canvas.len()
            );
            let key = (canvas.len(), (!window.refresh).then(|| rows.clone()));
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, members)) => members.push(b),
                None => groups.push((key, vec![b])),
            }
        }
        let vocab = self.model.vocab_size();
        let mut out = vec![Vec::new(); tokens.len()];
        for ((len, rows), members) in groups {
            let ids: Vec<i64> = members
                .iter()
                .flat_map(|&b| tokens[b].iter().map(|&t| t as i64))
                .collect();
            let ids = Tensor::<B, 2, Int>::from_data(
                TensorData::new(ids, [members.len(), len]),
                &self.device,
            );
            let canvases: Vec<usize> = members.iter().map(|&b| windows[b].canvas).collect();
            let (hidden, first, width) = match rows {
                None => {
                    let (hidden, cache) = self.model.encode_recording(ids);
                    self.caches.insert(&canvases, cache);
                    (hidden, 0, len)
                }
                Some(rows) => {
                    let cache = self.caches.batch_of(&canvases)?;
                    let (first, width) = (rows.start, rows.len());
                    (self.model.encode_rows(ids, rows, &cache)?, first, width)
                }
            };
            let picks: Vec<i64> = members
                .iter()
                .enumerate()
                .flat_map(|(g, &b)| {
                    positions[b]
                        .iter()
                        .map(move |&p| (g * width + p - first) as i64)
                })
                .collect();
            let n = picks.len();
            let picks = Tensor::<B, 1, Int>::from_data(TensorData::new(picks, [n]), &self.device);
            let logits = self
                .model
                .logits_at(hidden, picks)
                .into_data()
                .convert::<f32>()
                .into_vec::<f32>()
                .map_err(|e| anyhow::anyhow!("reading logits: {e:?}"))?;
            if let [b] = members[..] {
                out[b] = logits;
                continue;
            }
            let mut offset = 0;
            for &b in &members {
                let size = positions[b].len() * vocab;
                out[b] = logits[offset..offset + size].to_vec();
                offset += size;
            }
        }
        Ok(out)
    }
}
