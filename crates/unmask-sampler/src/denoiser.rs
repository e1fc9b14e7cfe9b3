use crate::CacheWindow;

/// The model as the sampler sees it: logits for chosen positions of a batch of canvases.
///
/// One call is one function evaluation (NFE). The sampler asks only for the positions its
/// policy needs, so an implementation can run the encoder on whole canvases and apply the
/// LM head at the requested positions only.
pub trait Denoiser {
    /// Number of logits per position.
    fn vocab_size(&self) -> usize;

    /// Logits at `positions[b]` of canvas `tokens[b]`, for each canvas `b` of the batch.
    ///
    /// Masked positions hold the canvas's mask id. Positions are in increasing order and
    /// never empty. Returns one row-major `Vec` per canvas of
    /// `positions[b].len() * vocab_size()` logits (row `i` belongs to `positions[b][i]`).
    fn logits(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
    ) -> anyhow::Result<Vec<Vec<f32>>>;

    /// [`Denoiser::logits`] under a block cache (`SamplerConfig::cache`): `windows[b]` says
    /// whether canvas `b` records its cache afresh and which positions must be run; a model
    /// may serve the others from keys and values recorded at the last refresh. The default
    /// runs every position (no cache), which is always allowed.
    fn logits_cached(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
        windows: &[CacheWindow],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        let _ = windows;
        self.logits(tokens, positions)
    }
}

impl<D: Denoiser + ?Sized> Denoiser for &mut D {
    fn vocab_size(&self) -> usize {
        (**self).vocab_size()
    }

    fn logits(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        (**self).logits(tokens, positions)
    }

    fn logits_cached(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
        windows: &[CacheWindow],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        (**self).logits_cached(tokens, positions, windows)
    }
}

impl<D: Denoiser + ?Sized> Denoiser for Box<D> {
    fn vocab_size(&self) -> usize {
        (**self).vocab_size()
    }

    fn logits(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        (**self).logits(tokens, positions)
    }

    fn logits_cached(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
        windows: &[CacheWindow],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        (**self).logits_cached(tokens, positions, windows)
    }
}
