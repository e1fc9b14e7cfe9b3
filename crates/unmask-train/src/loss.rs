use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor, TensorData, backend::Backend};
use unmask_roberta::MaskedLm;

use crate::batcher::DiffusionBatch;

/// The masked diffusion loss of one batch, with what the metrics need.
pub struct MaskedLoss<B: Backend> {
    /// `sum(weight * nll) / normalizer`, a scalar.
    pub loss: Tensor<B, 1>,
    /// Per masked token negative log-likelihood `[n_masked]`.
    pub nll: Tensor<B, 1>,
    /// Per masked token: 1 where the argmax equals the target `[n_masked]`.
    pub correct: Tensor<B, 1, Int>,
}

/// Cross-entropy of the original tokens at the masked positions only. The vocabulary
/// projection runs only at those positions.
pub fn masked_loss<B: Backend>(
    model: &MaskedLm<B>,
    batch: &DiffusionBatch,
    device: &B::Device,
) -> MaskedLoss<B> {
    let n = batch.masked_positions.len();
    let ids: Vec<i64> = batch.input_ids.iter().map(|&t| t as i64).collect();
    let input =
        Tensor::<B, 2, Int>::from_data(TensorData::new(ids, [batch.batch, batch.seq]), device);
    let positions: Vec<i64> = batch.masked_positions.iter().map(|&p| p as i64).collect();
    let positions = Tensor::<B, 1, Int>::from_data(TensorData::new(positions, [n]), device);
    let targets: Vec<i64> = batch.targets.iter().map(|&t| t as i64).collect();
    let targets = Tensor::<B, 1, Int>::from_data(TensorData::new(targets, [n]), device);
    let weights = Tensor::<B, 1>::from_data(TensorData::new(batch.weights.clone(), [n]), device);

    let hidden = model.encode(input, None, None);
    let logits = model.logits_at(hidden, positions);
    let correct = logits
        .clone()
        .argmax(1)
        .reshape([n])
        .equal(targets.clone())
        .int();
    let nll = log_softmax(logits, 1)
        .gather(1, targets.reshape([n, 1]))
        .reshape([n])
        .neg();
    let loss = (nll.clone() * weights).sum() / batch.normalizer as f64;
    MaskedLoss { loss, nll, correct }
}
