//! The validation loss: the same masked validation batches at every evaluation, so the
//! evaluations along a run are comparable.

use anyhow::Result;
use burn::tensor::ElementConversion;
use burn::tensor::backend::Backend;
use unmask_nn::rng::{Purpose, stream};
use unmask_text::PackedBlocks;

use crate::config::TrainConfig;
use crate::loss::target_loss;
use crate::metrics::{BatchRecord, Window};
use crate::objective::Objective;
use crate::token_predictor::TokenPredictor;

/// The loss over `run.eval_batches` batches of `blocks` with fixed masks.
pub fn validate<B: Backend, M: TokenPredictor<B>>(
    model: &M,
    objective: &Objective,
    blocks: &PackedBlocks,
    config: &TrainConfig,
    device: &B::Device,
) -> Result<Window> {
    let mut window = Window::default();
    let n = blocks.n_blocks();
    let batch_size = config.optim.batch_size;
    for k in 0..config.run.eval_batches {
        let rows: Vec<&[u32]> = (0..batch_size)
            .map(|i| blocks.block((k * batch_size + i) % n).expect("in range"))
            .collect();
        let mut rng = stream(config.run.seed, Purpose::EvalBatch, k as u64);
        let batch = objective.batch(&rows, &mut rng)?;
        let out = target_loss(model, &batch, device);
        let loss: f64 = out.loss.into_scalar().elem();
        window.add(&BatchRecord::new(&batch, out.nll, out.correct, loss)?);
        window.steps += 1;
    }
    Ok(window)
}
