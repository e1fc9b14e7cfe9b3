use rand::Rng;
use unmask_schedule::{
    LossWeighting, MaskRates, MaskSchedule, Maskable, RatesOver, ScheduleError, TimeSampler,
};

/// A batch of blocks with the positions the loss is taken at: the masked positions after
/// the forward (noising) process, or, for a causal model, every position whose next token
/// is the target.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainBatch {
    pub batch: usize,
    pub seq: usize,
    /// `[batch * seq]` ids with masked positions set to the mask id.
    pub input_ids: Vec<u32>,
    /// Flat indices (`row * seq + col`) of the positions the loss is taken at.
    pub masked_positions: Vec<usize>,
    /// The token to predict at each of `masked_positions` (the original token, or the
    /// next one for a causal model).
    pub targets: Vec<u32>,
    /// Loss weight of each masked token.
    pub weights: Vec<f32>,
    /// The loss is `sum(weight * nll) / normalizer`.
    pub normalizer: f32,
    /// Diffusion time of each row.
    pub t: Vec<f64>,
    /// The schedule's nominal mask rate of each row.
    pub mask_rates: Vec<f64>,
}

/// Masks blocks by a noise schedule: BERT's fixed 15% and diffusion schedules alike.
#[derive(Debug)]
pub struct DiffusionBatcher {
    pub schedule: Box<dyn MaskSchedule>,
    pub weighting: LossWeighting,
    pub time: TimeSampler,
    pub maskable: Maskable,
}

impl DiffusionBatcher {
    pub fn new(
        schedule: Box<dyn MaskSchedule>,
        weighting: LossWeighting,
        time: TimeSampler,
        maskable: Maskable,
    ) -> Result<Self, ScheduleError> {
        weighting.check(schedule.as_ref())?;
        Ok(Self {
            schedule,
            weighting,
            time,
            maskable,
        })
    }

    /// Masks each maskable token of each block independently with its schedule rate at the
    /// row's time t. Under uniform weighting a row with maskable tokens but no mask drawn
    /// gets one, so every row contributes to the loss. Under ELBO weighting it does not:
    /// the bound's estimator counts such a row as 0, and a forced mask would add a term
    /// the bound does not have, carried by the largest weights (~1/t at small t). An ELBO
    /// batch can therefore have no masked token at all; its loss is 0.
    ///
    /// Normalisation: uniform weighting averages over masked tokens (BERT, the seed);
    /// ELBO weighting divides the weighted sum by the number of maskable tokens (LLaDA),
    /// so the loss per token bounds the negative log-likelihood.
    pub fn mask<R: Rng>(
        &self,
        blocks: &[&[u32]],
        rng: &mut R,
    ) -> Result<TrainBatch, ScheduleError> {
        let batch = blocks.len();
        let seq = blocks.first().map_or(0, |b| b.len());
        let times = self.time.sample(batch, rng);
        let mut out = TrainBatch {
            batch,
            seq,
            input_ids: Vec::with_capacity(batch * seq),
            masked_positions: Vec::new(),
            targets: Vec::new(),
            weights: Vec::new(),
            normalizer: 0.0,
            t: times.clone(),
            mask_rates: Vec::with_capacity(batch),
        };
        let mut maskable_total = 0usize;
        for (row, (block, &t)) in blocks.iter().zip(&times).enumerate() {
            assert_eq!(block.len(), seq, "all blocks of a batch have one length");
            let weight = self.weighting.weight(self.schedule.as_ref(), t)? as f32;
            out.mask_rates.push(self.schedule.mask_rate(t));
            let rates = MaskRates::Schedule {
                schedule: self.schedule.as_ref(),
                t,
                over: RatesOver::Sequence,
            };
            let mut draw = self.maskable.draw(block, rates, rng);
            if self.weighting == LossWeighting::Uniform {
                draw.mask_one_if_none(rng);
            }
            let offset = row * seq;
            out.input_ids.extend_from_slice(block);
            for &col in &draw.masked {
                out.input_ids[offset + col] = self.maskable.mask_id;
                out.masked_positions.push(offset + col);
                out.targets.push(block[col]);
                out.weights.push(weight);
            }
            maskable_total += draw.maskable.len();
        }
        out.normalizer = match self.weighting {
            LossWeighting::Uniform => out.masked_positions.len() as f32,
            LossWeighting::Elbo => maskable_total as f32,
        }
        .max(1.0);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use rand_chacha::ChaCha12Rng;
    use unmask_schedule::{Linear, Spindle};

    use super::*;

    /// A diffusion schedule that almost never masks: alpha = 1 - 1e-12 t, ELBO weight 1/t.
    #[derive(Debug)]
    struct AlmostNothing;

    impl MaskSchedule for AlmostNothing {
        fn name(&self) -> String {
            "almost-nothing".to_string()
        }
        fn mask_rate(&self, t: f64) -> f64 {
            1e-12 * t
        }
        fn alpha_derivative(&self, _t: f64) -> f64 {
            -1e-12
        }
    }

    fn batcher(weighting: LossWeighting) -> DiffusionBatcher {
        DiffusionBatcher::new(
            Box::new(AlmostNothing),
            weighting,
            TimeSampler::iid(1e-3).unwrap(),
            Maskable::new(99).with_protected_ids([0]).with_prompt_len(1),
        )
        .unwrap()
    }

    #[test]
    fn uniform_weighting_forces_one_mask_in_a_row_that_drew_none() {
        let blocks: Vec<Vec<u32>> = (0..4)
            .map(|r| (1..=8).map(|c| r * 10 + c).collect())
            .collect();
        let rows: Vec<&[u32]> = blocks.iter().map(Vec::as_slice).collect();
        let batch = batcher(LossWeighting::Uniform)
            .mask(&rows, &mut StdRng::seed_from_u64(1))
            .unwrap();
        assert_eq!(batch.masked_positions.len(), 4);
        let masked_rows: Vec<usize> = batch.masked_positions.iter().map(|p| p / 8).collect();
        assert_eq!(masked_rows, [0, 1, 2, 3]);
        assert!(batch.masked_positions.iter().all(|p| p % 8 >= 1));
        assert_eq!(batch.weights, [1.0; 4]);
        assert_eq!(batch.normalizer, 4.0);
    }

    #[test]
    fn elbo_weighting_does_not_force_a_mask() {
        // Forcing one mask per row under ELBO weighting adds a term of weight ~1/t that
        // the bound does not have: a row that drew no mask must contribute nothing.
        let blocks: Vec<Vec<u32>> = (0..4)
            .map(|r| (1..=8).map(|c| r * 10 + c).collect())
            .collect();
        let rows: Vec<&[u32]> = blocks.iter().map(Vec::as_slice).collect();
        let batch = batcher(LossWeighting::Elbo)
            .mask(&rows, &mut StdRng::seed_from_u64(1))
            .unwrap();
        assert!(
            batch.masked_positions.is_empty(),
            "{:?}",
            batch.masked_positions
        );
        assert!(batch.targets.is_empty() && batch.weights.is_empty());
        assert_eq!(batch.input_ids, blocks.concat());
        // 7 maskable tokens per row (position 0 is the prompt).
        assert_eq!(batch.normalizer, 28.0);
    }

    /// Four blocks of 16 whose 4-token prompt is the most frequent token, with protected 0s.
    fn prompted_blocks() -> Vec<Vec<u32>> {
        (0..4)
            .map(|r| {
                (0..16)
                    .map(|c| match (r, c) {
                        (_, 0..=3) => 1,
                        (0, 5) | (2, 9) => 0,
                        _ => 2 + ((r * 13 + c * 7) % 38),
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn masks_of_a_seed_are_pinned() {
        // Drawn by the batcher before masking moved to unmask_schedule::Maskable; exact
        // resume and the committed spindle runs depend on these staying the same. Spindle's
        // rates are taken over the whole block, prompt included (RatesOver::Sequence): over
        // the maskable tokens alone the same stream masks 20 positions, not these 27.
        let counts: Vec<u64> = (0..40u64)
            .map(|id| {
                if id == 1 {
                    1_000_000
                } else {
                    10 + id * id * 31 % 997
                }
            })
            .collect();
        let maskable = Maskable::new(99)
            .with_protected_ids([0, 99])
            .with_prompt_len(4);
        let batcher = DiffusionBatcher::new(
            Box::new(Spindle::new(1.0, &counts).unwrap()),
            LossWeighting::Uniform,
            TimeSampler::antithetic(1e-3).unwrap(),
            maskable.clone(),
        )
        .unwrap();
        let blocks = prompted_blocks();
        let rows: Vec<&[u32]> = blocks.iter().map(Vec::as_slice).collect();
        let batch = batcher
            .mask(&rows, &mut ChaCha12Rng::seed_from_u64(2))
            .unwrap();
        assert_eq!(
            batch.masked_positions,
            [
                4, 6, 8, 9, 12, 13, 15, 20, 22, 23, 24, 25, 27, 28, 29, 31, 37, 38, 39, 40, 42, 43,
                44, 45, 46, 47, 58
            ]
        );
        let flat = blocks.concat();
        assert_eq!(
            batch.targets,
            batch
                .masked_positions
                .iter()
                .map(|&p| flat[p])
                .collect::<Vec<_>>()
        );

        // ELBO normalises by the maskable count: the shared rule's, row by row.
        let elbo = DiffusionBatcher::new(
            Box::new(Linear::default()),
            LossWeighting::Elbo,
            TimeSampler::iid(1e-3).unwrap(),
            maskable.clone(),
        )
        .unwrap();
        let batch = elbo
            .mask(&rows, &mut ChaCha12Rng::seed_from_u64(2))
            .unwrap();
        let positions: Vec<Vec<usize>> = blocks.iter().map(|b| maskable.positions(b)).collect();
        assert_eq!(
            batch.normalizer,
            positions.iter().map(Vec::len).sum::<usize>() as f32
        );
        assert!(
            batch
                .masked_positions
                .iter()
                .all(|&p| positions[p / 16].contains(&(p % 16)))
        );
    }
}
