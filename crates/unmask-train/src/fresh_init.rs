//! A fresh MLM head (a model from scratch, or an encoder-only checkpoint) starts from the
//! corpus's unigram distribution: its decoder bias is the log-frequency of each token in the
//! train split, so the first steps are not spent learning that "the" is common (a zero bias
//! starts at log(vocab) nats).

use burn::tensor::{Tensor, TensorData, backend::Backend};
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

/// Sets the decoder bias of `model`'s MLM head to `log_unigram` (same parameter, same id).
pub fn with_unigram_bias<B: Backend>(mut model: MaskedLm<B>, log_unigram: &[f32]) -> MaskedLm<B> {
    let vocab = model.config().vocab_size;
    assert_eq!(
        log_unigram.len(),
        vocab,
        "one log-probability per vocabulary entry"
    );
    let data = TensorData::new(log_unigram.to_vec(), [vocab]);
    model.head.bias = model.head.bias.map(|bias| {
        let device = bias.device();
        let require_grad = bias.is_require_grad();
        let tensor = Tensor::<B, 1>::from_data(data, &device);
        if require_grad {
            tensor.require_grad()
        } else {
            tensor
        }
    });
    model
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
