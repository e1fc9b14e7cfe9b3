use rand::Rng;
use unmask_schedule::ScheduleError;

use crate::batcher::{DiffusionBatcher, TrainBatch};

/// What a training batch asks the model to predict.
#[derive(Debug)]
pub enum Objective {
    /// Masked diffusion (BERT's fixed 15% is the special case): original tokens at masked
    /// positions.
    Diffusion(DiffusionBatcher),
    /// Causal language modelling: the next token at every position but the last, padding
    /// excluded.
    NextToken { pad_id: u32 },
}

impl Objective {
    pub fn batch<R: Rng>(
        &self,
        blocks: &[&[u32]],
        rng: &mut R,
    ) -> Result<TrainBatch, ScheduleError> {
        match self {
            Objective::Diffusion(batcher) => batcher.mask(blocks, rng),
            Objective::NextToken { pad_id } => Ok(next_token_batch(blocks, *pad_id)),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Objective::Diffusion(b) => {
                format!(
                    "schedule {}, {} weighting",
                    b.schedule.name(),
                    b.weighting.name()
                )
            }
            Objective::NextToken { .. } => "next-token prediction".to_string(),
        }
    }
}

/// Every position predicts the token after it; the loss averages over those targets.
pub fn next_token_batch(blocks: &[&[u32]], pad_id: u32) -> TrainBatch {
    let batch = blocks.len();
    let seq = blocks.first().map_or(0, |b| b.len());
    let mut out = TrainBatch {
        batch,
        seq,
        input_ids: Vec::with_capacity(batch * seq),
        masked_positions: Vec::new(),
        targets: Vec::new(),
        weights: Vec::new(),
        normalizer: 0.0,
        t: vec![0.0; batch],
        mask_rates: vec![0.0; batch],
    };
    for (row, block) in blocks.iter().enumerate() {
        assert_eq!(block.len(), seq, "all blocks of a batch have one length");
        out.input_ids.extend_from_slice(block);
        for col in 0..seq.saturating_sub(1) {
            let next = block[col + 1];
            if next != pad_id {
                out.masked_positions.push(row * seq + col);
                out.targets.push(next);
                out.weights.push(1.0);
            }
        }
    }
    out.normalizer = (out.masked_positions.len() as f32).max(1.0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_token_targets_are_the_shifted_block_without_padding() {
        let a = [5u32, 6, 7, 1];
        let b = [8u32, 9, 10, 11];
        let batch = next_token_batch(&[&a, &b], 1);
        assert_eq!(batch.input_ids, vec![5, 6, 7, 1, 8, 9, 10, 11]);
        assert_eq!(batch.masked_positions, vec![0, 1, 4, 5, 6]);
        assert_eq!(batch.targets, vec![6, 7, 9, 10, 11]);
        assert_eq!(batch.normalizer, 5.0);
    }
}
