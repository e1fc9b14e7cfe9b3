//! One optimizer step: the step's micro-batches, their loss, backward, gradient
//! accumulation, global-norm clipping, then the AdamW update. Nothing here writes a file or
//! prints; the loop (`trainer.rs`) calls [`micro_batches`], [`gradients`] and [`update`] in
//! that order and hands what they measured to the observer.
//!
//! Every random draw is keyed by the run's seed and the micro-batch's index in the run (its
//! blocks, masks and dropout), so a step is the same whether or not the run was resumed.

use anyhow::Result;
use burn::module::AutodiffModule;
use burn::optim::{GradientsAccumulator, GradientsParams, Optimizer};
use burn::tensor::ElementConversion;
use burn::tensor::backend::AutodiffBackend;
use unmask_nn::rng::{Purpose, derive_seed, stream};

use crate::batcher::TrainBatch;
use crate::block_order::BlockOrder;
use crate::clip::{clip_global_norm, scale_all};
use crate::config::TrainConfig;
use crate::data::TrainData;
use crate::loss::{TargetLoss, target_loss};
use crate::metrics::BatchRecord;
use crate::objective::Objective;
use crate::token_predictor::TokenPredictor;
use crate::weight_decay::adamw_step;

/// A micro-batch and its index in the run (`step * grad_accum + k`).
pub struct MicroBatch {
    pub index: usize,
    pub batch: TrainBatch,
}

/// The `optim.grad_accum` micro-batches of optimizer step `step` (0-based): the next
/// blocks in `order`, masked (or shifted) as `objective` says.
pub fn micro_batches(
    step: usize,
    order: &mut BlockOrder,
    data: &TrainData,
    objective: &Objective,
    config: &TrainConfig,
) -> Result<Vec<MicroBatch>> {
    let (accum, size) = (config.optim.grad_accum, config.optim.batch_size);
    (0..accum)
        .map(|k| {
            let index = step * accum + k;
            let rows = (0..size)
                .map(|i| {
                    let block = order.block_at(index * size + i);
                    data.train.block(block).expect("block index in range")
                })
                .collect::<Vec<&[u32]>>();
            let mut rng = stream(config.run.seed, Purpose::TrainBatch, index as u64);
            let batch = objective.batch(&rows, &mut rng)?;
            Ok(MicroBatch { index, batch })
        })
        .collect()
}

/// The averaged, clipped gradients of one step and what the metrics need of it.
pub struct StepGradients {
    pub grads: GradientsParams,
    /// One record per micro-batch, its loss divided by `grad_accum` (they sum to the
    /// step's loss).
    pub records: Vec<BatchRecord>,
    /// The global gradient norm before clipping, when it was computed: every step when
    /// clipping is on, else when `norm_wanted`.
    pub grad_norm: Option<f64>,
}

/// What [`gradients`] found.
pub enum Gradients {
    Finite(StepGradients),
    /// A micro-batch's loss was NaN or infinite: the weights are broken, and no gradient
    /// was taken.
    NonFinite {
        loss: f64,
    },
}

/// Loss and backward of every micro-batch, accumulated and averaged, then clipped by the
/// global L2 norm (`optim.grad_clip`; 0 clips nothing and computes the norm only when
/// `norm_wanted`).
pub fn gradients<B, M>(
    model: &M,
    micro_batches: &[MicroBatch],
    config: &TrainConfig,
    norm_wanted: bool,
    device: &B::Device,
) -> Result<Gradients>
where
    B: AutodiffBackend,
    M: AutodiffModule<B> + TokenPredictor<B>,
{
    let o = &config.optim;
    let mut accumulator = GradientsAccumulator::<M>::new();
    let mut records = Vec::with_capacity(micro_batches.len());
    for MicroBatch { index, batch } in micro_batches {
        // Dropout draws from burn's global RNG.
        B::seed(
            device,
            derive_seed(config.run.seed, Purpose::TrainForward, *index as u64),
        );
        let TargetLoss { loss, nll, correct } = target_loss(model, batch, device);
        let loss_value: f64 = loss.clone().into_scalar().elem();
        if !loss_value.is_finite() {
            return Ok(Gradients::NonFinite { loss: loss_value });
        }
        accumulator.accumulate(model, GradientsParams::from_grads(loss.backward(), model));
        let share = loss_value / o.grad_accum as f64;
        records.push(BatchRecord::new(batch, nll, correct, share)?);
    }
    let mut grads = accumulator.grads();
    if o.grad_accum > 1 {
        scale_all(model, &mut grads, 1.0 / o.grad_accum as f64);
    }
    let grad_norm = if o.grad_clip > 0.0 {
        Some(clip_global_norm(model, &mut grads, o.grad_clip))
    } else if norm_wanted {
        Some(clip_global_norm(model, &mut grads, f64::INFINITY))
    } else {
        None
    };
    Ok(Gradients::Finite(StepGradients {
        grads,
        records,
        grad_norm,
    }))
}

/// The AdamW update at learning rate `lr`, with the config's decoupled weight decay on
/// every parameter but biases and LayerNorms (`weight_decay.rs`).
pub fn update<B, M, O>(
    optim: &mut O,
    model: M,
    grads: GradientsParams,
    lr: f64,
    config: &TrainConfig,
) -> M
where
    B: AutodiffBackend,
    M: AutodiffModule<B>,
    O: Optimizer<M, B>,
{
    adamw_step(optim, model, grads, lr, config.optim.weight_decay)
}
