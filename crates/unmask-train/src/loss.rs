use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor, TensorData, backend::Backend};

use crate::batcher::TrainBatch;
use crate::token_predictor::TokenPredictor;

/// The loss of one batch, with what the metrics need.
pub struct TargetLoss<B: Backend> {
    /// `sum(weight * nll) / normalizer`, a scalar.
    pub loss: Tensor<B, 1>,
    /// Per target token negative log-likelihood `[n_targets]`.
    pub nll: Tensor<B, 1>,
    /// Per target token: 1 where the argmax equals the target `[n_targets]`.
    pub correct: Tensor<B, 1, Int>,
}

/// Cross-entropy of the targets at the batch's loss positions only (the masked positions
/// of a diffusion batch). The vocabulary projection runs only at those positions.
pub fn target_loss<B: Backend, M: TokenPredictor<B>>(
    model: &M,
    batch: &TrainBatch,
    device: &B::Device,
) -> TargetLoss<B> {
    let n = batch.masked_positions.len();
    let ids: Vec<i64> = batch.input_ids.iter().map(|&t| t as i64).collect();
    let input =
        Tensor::<B, 2, Int>::from_data(TensorData::new(ids, [batch.batch, batch.seq]), device);
    let positions: Vec<i64> = batch.masked_positions.iter().map(|&p| p as i64).collect();
    let positions = Tensor::<B, 1, Int>::from_data(TensorData::new(positions, [n]), device);
    let targets: Vec<i64> = batch.targets.iter().map(|&t| t as i64).collect();
    let targets = Tensor::<B, 1, Int>::from_data(TensorData::new(targets, [n]), device);
    let weights = Tensor::<B, 1>::from_data(TensorData::new(batch.weights.clone(), [n]), device);

    let logits = model.logits_at_positions(input, positions);
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
    TargetLoss { loss, nll, correct }
}
