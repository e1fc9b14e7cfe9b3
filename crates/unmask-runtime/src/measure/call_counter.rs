//! A denoiser that reports every model call: how a front end draws a progress bar over a
//! measurement without the measurement knowing about it.

use unmask_sampler::{CacheWindow, Denoiser};

pub struct CallCounter<D, F> {
    inner: D,
    on_call: F,
}

impl<D: Denoiser, F: FnMut()> CallCounter<D, F> {
    pub fn new(inner: D, on_call: F) -> Self {
        Self { inner, on_call }
    }
}

impl<D: Denoiser, F: FnMut()> Denoiser for CallCounter<D, F> {
    fn vocab_size(&self) -> usize {
        self.inner.vocab_size()
    }

    fn logits(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        let logits = self.inner.logits(tokens, positions)?;
        (self.on_call)();
        Ok(logits)
    }

    fn logits_cached(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
        windows: &[CacheWindow],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        let logits = self.inner.logits_cached(tokens, positions, windows)?;
        (self.on_call)();
        Ok(logits)
    }
}
