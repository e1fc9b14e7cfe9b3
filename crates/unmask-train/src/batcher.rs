use rand::Rng;
use unmask_schedule::{LossWeighting, MaskSchedule, ScheduleError, TimeSampler};

/// Which positions of a block may be masked.
#[derive(Debug, Clone)]
pub struct Maskable {
    pub mask_id: u32,
    /// Token ids never masked (bos, eos, pad, ...).
    pub protected_ids: Vec<u32>,
    /// The first `prompt_len` positions of every block are never masked.
    pub prompt_len: usize,
}

impl Maskable {
    fn allows(&self, position: usize, token: u32) -> bool {
        position >= self.prompt_len && !self.protected_ids.contains(&token)
    }
}

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
    /// row's time t. A row with maskable tokens but no mask drawn gets one, so every row
    /// contributes to the loss.
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
        let mut rates = vec![0.0; seq];
        let mut maskable_total = 0usize;
        for (row, (block, &t)) in blocks.iter().zip(&times).enumerate() {
            assert_eq!(block.len(), seq, "all blocks of a batch have one length");
            self.schedule.token_mask_rates(t, block, &mut rates);
            let weight = self.weighting.weight(self.schedule.as_ref(), t)? as f32;
            out.mask_rates.push(self.schedule.mask_rate(t));
            let first_masked = out.masked_positions.len();
            let mut maskable = Vec::new();
            for (col, &token) in block.iter().enumerate() {
                let flat = row * seq + col;
                let mut id = token;
                if self.maskable.allows(col, token) {
                    maskable.push(flat);
                    if rng.random::<f64>() < rates[col] {
                        id = self.maskable.mask_id;
                        out.masked_positions.push(flat);
                        out.targets.push(token);
                        out.weights.push(weight);
                    }
                }
                out.input_ids.push(id);
            }
            if out.masked_positions.len() == first_masked && !maskable.is_empty() {
                let flat = maskable[rng.random_range(0..maskable.len())];
                out.targets.push(out.input_ids[flat]);
                out.input_ids[flat] = self.maskable.mask_id;
                out.masked_positions.push(flat);
                out.weights.push(weight);
            }
            maskable_total += maskable.len();
        }
        out.normalizer = match self.weighting {
            LossWeighting::Uniform => out.masked_positions.len() as f32,
            LossWeighting::Elbo => maskable_total as f32,
        }
        .max(1.0);
        Ok(out)
    }
}
