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
    // logsumexp(logits) - logit[target]: the log-softmax without writing the full
    // [n, vocab] log-probabilities, which forward and backward would each pass over again.
    let max = logits.clone().detach().max_dim(1);
    let log_sum_exp = (logits.clone() - max.clone()).exp().sum_dim(1).log() + max;
    let nll = (log_sum_exp - logits.gather(1, targets.reshape([n, 1]))).reshape([n]);
    let loss = (nll.clone() * weights).sum() / batch.normalizer as f64;
    TargetLoss { loss, nll, correct }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::{Autodiff, Flex};
    use burn::tensor::activation::log_softmax;
    use unmask_roberta::{MaskedLm, MaskedLmConfig};

    type Ad = Autodiff<Flex>;

    fn setup() -> (MaskedLm<Ad>, TrainBatch) {
        let device = Default::default();
        let mut config = MaskedLmConfig::small_roberta(40, 16, 1, 2, 32, 8);
        config.hidden_dropout_prob = 0.0;
        config.attention_probs_dropout_prob = 0.0;
        let model = config.init::<Ad>(&device);
        let batch = TrainBatch {
            batch: 2,
            seq: 6,
            input_ids: vec![0, 7, 4, 9, 4, 2, 0, 4, 11, 12, 4, 2],
            masked_positions: vec![2, 4, 7, 10],
            targets: vec![8, 30, 5, 39],
            weights: vec![1.0, 2.0, 0.5, 1.5],
            normalizer: 3.0,
            t: vec![0.3, 0.3],
            mask_rates: vec![0.3, 0.3],
        };
        (model, batch)
    }

    #[test]
    fn matches_a_host_log_softmax_at_the_targets() {
        let (model, batch) = setup();
        let device = Default::default();
        let out = target_loss(&model, &batch, &device);
        let ids: Vec<i64> = batch.input_ids.iter().map(|&t| t as i64).collect();
        let input = Tensor::<Ad, 2, Int>::from_data(TensorData::new(ids, [2, 6]), &device);
        let positions =
            Tensor::<Ad, 1, Int>::from_data(TensorData::new(vec![2i64, 4, 7, 10], [4]), &device);
        let logits: Vec<f32> = model
            .logits_at_positions(input, positions)
            .into_data()
            .to_vec()
            .unwrap();
        let nll: Vec<f32> = out.nll.into_data().to_vec().unwrap();
        let correct: Vec<i64> = out.correct.into_data().convert::<i64>().to_vec().unwrap();
        let mut expected_loss = 0.0;
        for (i, row) in logits.chunks(40).enumerate() {
            let max = row.iter().cloned().fold(f32::MIN, f32::max) as f64;
            let lse = max
                + row
                    .iter()
                    .map(|&z| (z as f64 - max).exp())
                    .sum::<f64>()
                    .ln();
            let target = batch.targets[i] as usize;
            let expected = lse - row[target] as f64;
            assert!(
                (nll[i] as f64 - expected).abs() < 1e-5,
                "row {i}: {} vs {expected}",
                nll[i]
            );
            let argmax = (0..40).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
            assert_eq!(correct[i], (argmax == target) as i64);
            expected_loss += batch.weights[i] as f64 * expected;
        }
        let loss = out.loss.into_scalar() as f64;
        assert!((loss - expected_loss / 3.0).abs() < 1e-5, "{loss}");
    }

    #[test]
    fn a_batch_without_masked_tokens_has_zero_loss_and_gradient() {
        // ELBO weighting forces no mask, so at small t a whole batch can draw none.
        let (model, mut batch) = setup();
        batch.masked_positions.clear();
        batch.targets.clear();
        batch.weights.clear();
        batch.input_ids = vec![0, 7, 8, 9, 30, 2, 0, 5, 11, 12, 39, 2];
        let device = Default::default();
        let out = target_loss(&model, &batch, &device);
        assert_eq!(out.nll.dims(), [0]);
        assert_eq!(out.correct.dims(), [0]);
        assert_eq!(out.loss.clone().into_scalar(), 0.0);
        let grads = burn::optim::GradientsParams::from_grads(out.loss.backward(), &model);
        let mut optim = burn::optim::AdamWConfig::new().init::<Ad, MaskedLm<Ad>>();
        let stepped = burn::optim::Optimizer::step(&mut optim, 1e-3, model, grads);
        let _ = stepped.embeddings.word.weight.val().into_data();
    }

    #[test]
    fn has_the_gradient_of_log_softmax_cross_entropy() {
        let (model, batch) = setup();
        let device = Default::default();
        let grads = target_loss(&model, &batch, &device).loss.backward();
        let ours = model.embeddings.word.weight.grad(&grads).unwrap();

        let ids: Vec<i64> = batch.input_ids.iter().map(|&t| t as i64).collect();
        let input = Tensor::<Ad, 2, Int>::from_data(TensorData::new(ids, [2, 6]), &device);
        let positions =
            Tensor::<Ad, 1, Int>::from_data(TensorData::new(vec![2i64, 4, 7, 10], [4]), &device);
        let targets = Tensor::<Ad, 2, Int>::from_data(
            TensorData::new(vec![8i64, 30, 5, 39], [4, 1]),
            &device,
        );
        let weights =
            Tensor::<Ad, 1>::from_data(TensorData::new(batch.weights.clone(), [4]), &device);
        let nll = log_softmax(model.logits_at_positions(input, positions), 1)
            .gather(1, targets)
            .reshape([4])
            .neg();
        let grads = ((nll * weights).sum() / 3.0).backward();
        let reference = model.embeddings.word.weight.grad(&grads).unwrap();
        let diff: f32 = (ours - reference.clone()).abs().max().into_scalar();
        let scale: f32 = reference.abs().max().into_scalar();
        assert!(
            scale > 0.0 && diff < 1e-5 * scale.max(1.0),
            "max |diff| {diff}"
        );
    }
}
