//! A fresh MLM head (a model from scratch, or an encoder-only checkpoint) starts from the
//! corpus's unigram distribution: its decoder bias is the log-frequency of each token in the
//! train split, so the first steps are not spent learning that "the" is common (a zero bias
//! starts at log(vocab) nats).

use burn::module::Param;
use burn::tensor::{Tensor, TensorData, backend::Backend};
use unmask_modernbert::ModernBert;
use unmask_roberta::MaskedLm;

/// `ln p(token)` with add-one smoothing over the tokens that can be targets; `excluded` ids
/// (special tokens, never predicted) get the smoothed probability of an unseen token.
pub fn log_unigram(counts: &[u64], vocab_size: usize, excluded: &[u32]) -> Vec<f32> {
    let count = |id: usize| {
        if excluded.contains(&(id as u32)) {
            0
        } else {
            counts.get(id).copied().unwrap_or(0)
        }
    };
    let total: f64 = (0..vocab_size).map(|id| count(id) as f64 + 1.0).sum();
    (0..vocab_size)
        .map(|id| ((count(id) as f64 + 1.0) / total).ln() as f32)
        .collect()
}

/// A model whose MLM decoder has a bias a fresh head can start from.
pub trait DecoderBias<B: Backend>: Sized {
    fn vocab_size(&self) -> usize;
    fn map_decoder_bias(self, f: impl FnOnce(Param<Tensor<B, 1>>) -> Param<Tensor<B, 1>>) -> Self;
}

impl<B: Backend> DecoderBias<B> for MaskedLm<B> {
    fn vocab_size(&self) -> usize {
        self.config().vocab_size
    }
    fn map_decoder_bias(
        mut self,
        f: impl FnOnce(Param<Tensor<B, 1>>) -> Param<Tensor<B, 1>>,
    ) -> Self {
        self.head.bias = f(self.head.bias);
        self
    }
}

impl<B: Backend> DecoderBias<B> for ModernBert<B> {
    fn vocab_size(&self) -> usize {
        self.config().vocab_size
    }
    /// A ModernBERT without a decoder bias (`decoder_bias = false`) is left as it is.
    fn map_decoder_bias(
        mut self,
        f: impl FnOnce(Param<Tensor<B, 1>>) -> Param<Tensor<B, 1>>,
    ) -> Self {
        self.decoder_bias = self.decoder_bias.map(f);
        self
    }
}

/// Sets the decoder bias of `model`'s MLM head to `log_unigram` (same parameter, same id).
pub fn with_unigram_bias<B: Backend, M: DecoderBias<B>>(model: M, log_unigram: &[f32]) -> M {
    let vocab = model.vocab_size();
    assert_eq!(
        log_unigram.len(),
        vocab,
        "one log-probability per vocabulary entry"
    );
    let data = TensorData::new(log_unigram.to_vec(), [vocab]);
    model.map_decoder_bias(|bias| {
        bias.map(|bias| {
            let device = bias.device();
            let require_grad = bias.is_require_grad();
            let tensor = Tensor::<B, 1>::from_data(data, &device);
            if require_grad {
                tensor.require_grad()
            } else {
                tensor
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothed_log_frequencies_sum_to_one() {
        // ids 0..4, id 0 excluded: counts 0 -> 0, 1 -> 3, 2 -> 1, 3 -> 0 (+1 each: 1, 4, 2, 1).
        let logp = log_unigram(&[100, 3, 1], 4, &[0]);
        let p: Vec<f64> = logp.iter().map(|&l| (l as f64).exp()).collect();
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-6);
        assert!((p[1] - 4.0 / 8.0).abs() < 1e-6);
        assert!((p[2] - 2.0 / 8.0).abs() < 1e-6);
        assert!(
            (p[0] - 1.0 / 8.0).abs() < 1e-6,
            "excluded id counts as unseen"
        );
        assert!((p[3] - 1.0 / 8.0).abs() < 1e-6);
    }
}
