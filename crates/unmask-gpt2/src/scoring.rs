use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor, TensorData, backend::Backend};

use crate::error::Gpt2Error;
use crate::generate::ids_tensor;
use crate::model::Gpt2LmHead;

/// One forward pass of a sliding-window evaluation: the model reads `ids[start..end]` and
/// scores the targets `ids[first_target..end]` (each from its prefix inside the window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: usize,
    pub end: usize,
    pub first_target: usize,
}

/// The windows of Hugging Face's perplexity guide: windows of `max_len` tokens starting every
/// `stride` tokens, each scoring only the targets the previous one did not, so every token
/// after the first is scored exactly once with at least `max_len - stride` tokens of context
/// (except in the first window).
///
/// # Panics
/// Unless `1 <= stride < max_len` (`token_nll_with_stride` checks this and returns an error).
pub fn sliding_windows(len: usize, max_len: usize, stride: usize) -> Vec<Window> {
    assert!(
        stride >= 1 && stride < max_len,
        "need 1 <= stride < max_len"
    );
    let mut windows = Vec::new();
    if len < 2 {
        return windows;
    }
    let (mut start, mut prev_end) = (0, 0);
    loop {
        let end = (start + max_len).min(len);
        windows.push(Window {
            start,
            end,
            first_target: prev_end.max(start + 1),
        });
        if end == len {
            return windows;
        }
        prev_end = end;
        start += stride;
    }
}

impl<B: Backend> Gpt2LmHead<B> {
    /// Negative log-likelihood (nats) of `ids[1..]`, each given its prefix: `ids.len() - 1`
    /// values. Texts longer than `n_positions` are scored with a sliding window of stride
    /// `n_positions / 2` (see [`sliding_windows`]).
    pub fn token_nll(&self, ids: &[u32], device: &B::Device) -> Result<Vec<f32>, Gpt2Error> {
        let max = self.config.n_positions;
        self.token_nll_with_stride(ids, (max / 2).max(1), device)
    }

    /// [`Self::token_nll`] with an explicit window stride (`1 <= stride < n_positions`).
    pub fn token_nll_with_stride(
        &self,
        ids: &[u32],
        stride: usize,
        device: &B::Device,
    ) -> Result<Vec<f32>, Gpt2Error> {
        let max = self.config.n_positions;
        if stride == 0 || stride >= max {
            return Err(Gpt2Error::Input(format!(
                "stride must be in 1..{max} (below n_positions), got {stride}"
            )));
        }
        self.check_ids(ids)?;
        let mut nll = Vec::with_capacity(ids.len().saturating_sub(1));
        for w in sliding_windows(ids.len(), max, stride) {
            nll.extend(self.window_nll(ids, w, device)?);
        }
        Ok(nll)
    }

    fn window_nll(
        &self,
        ids: &[u32],
        w: Window,
        device: &B::Device,
    ) -> Result<Vec<f32>, Gpt2Error> {
        let hidden = self.forward_hidden(ids_tensor(&ids[w.start..w.end], device));
        // Only the rows that predict a target go through the (expensive) vocabulary projection.
        let rows = w.end - w.first_target;
        let hidden = hidden.narrow(1, w.first_target - 1 - w.start, rows);
        let log_probs = log_softmax(self.logits(hidden), 2);
        let targets: Vec<i64> = ids[w.first_target..w.end]
            .iter()
            .map(|&t| t as i64)
            .collect();
        let targets =
            Tensor::<B, 3, Int>::from_data(TensorData::new(targets, [1, rows, 1]), device);
        log_probs
            .gather(2, targets)
            .neg()
            .into_data()
            .convert::<f32>()
            .into_vec::<f32>()
            .map_err(|e| Gpt2Error::Readback(format!("log-probabilities: {e:?}")))
    }
}
