//! Masking, written once: which positions of a sequence may be masked ([`Maskable`]) and how
//! mask rates become masked positions ([`Maskable::draw`]). The trainer's batcher and the
//! evaluator's bound and rate sweep mask through it and differ only in what they pass: the
//! rates ([`MaskRates`]), the random stream, and whether a draw that masked nothing gets one
//! mask ([`MaskDraw::mask_one_if_none`], uniform-weighted training only).

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::MaskSchedule;

/// Which positions of a sequence may be masked, and the mask id put there.
///
/// Never masked: the first `prompt_len` positions, the `protected_ids` (special tokens:
/// bos, eos, padding, ...) and the mask id itself (text should not contain it; if it does,
/// there is no original token to predict).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maskable {
    pub mask_id: u32,
    pub protected_ids: Vec<u32>,
    pub prompt_len: usize,
}

/// The probability each maskable token is masked with.
#[derive(Debug, Clone, Copy)]
pub enum MaskRates<'a> {
    /// One rate for every maskable token (the evaluator's sweep over mask rates).
    Fixed(f64),
    /// The schedule's per-token rates at diffusion time `t`
    /// ([`MaskSchedule::token_mask_rates`]), computed over the tokens `over` names.
    Schedule {
        schedule: &'a dyn MaskSchedule,
        t: f64,
        over: RatesOver,
    },
}

/// The tokens a schedule's per-token rates are computed over. A per-token schedule (spindle)
/// sets each rate against the mean over the tokens it is given, so the two differ for it;
/// for a schedule with one rate for all tokens they are the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatesOver {
    /// The whole sequence, prompt and protected tokens included: what training has always
    /// passed (its committed spindle runs depend on it).
    Sequence,
    /// Only the maskable tokens, as `docs/schedules.md` asks: the perplexity bound.
    Maskable,
}

/// One draw over a sequence: its maskable positions and the masked ones, both increasing
/// (except that [`MaskDraw::mask_one_if_none`] may add one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaskDraw {
    pub maskable: Vec<usize>,
    pub masked: Vec<usize>,
}

impl Maskable {
    /// Every position maskable except those holding `mask_id`.
    pub fn new(mask_id: u32) -> Self {
        Self {
            mask_id,
            protected_ids: Vec::new(),
            prompt_len: 0,
        }
    }

    pub fn with_protected_ids(mut self, ids: impl IntoIterator<Item = u32>) -> Self {
        self.protected_ids = ids.into_iter().collect();
        self
    }

    pub fn with_prompt_len(mut self, prompt_len: usize) -> Self {
        self.prompt_len = prompt_len;
        self
    }

    /// Whether `token` at `position` may be masked.
    pub fn allows(&self, position: usize, token: u32) -> bool {
        position >= self.prompt_len && token != self.mask_id && !self.protected_ids.contains(&token)
    }

    /// The maskable positions of `tokens`, increasing.
    pub fn positions(&self, tokens: &[u32]) -> Vec<usize> {
        tokens
            .iter()
            .enumerate()
            .filter(|&(position, &token)| self.allows(position, token))
            .map(|(position, _)| position)
            .collect()
    }

    /// Masks each maskable position of `tokens` independently with its rate: one uniform
    /// `f64` from `rng` per maskable position, in order, masked where it falls below the
    /// rate. Exact resume and the committed results depend on this order of draws.
    pub fn draw<R: Rng + ?Sized>(
        &self,
        tokens: &[u32],
        rates: MaskRates<'_>,
        rng: &mut R,
    ) -> MaskDraw {
        let maskable = self.positions(tokens);
        let rates: Vec<f64> = match rates {
            MaskRates::Fixed(rate) => vec![rate; maskable.len()],
            MaskRates::Schedule {
                schedule,
                t,
                over: RatesOver::Sequence,
            } => {
                let mut all = vec![0.0; tokens.len()];
                schedule.token_mask_rates(t, tokens, &mut all);
                maskable.iter().map(|&position| all[position]).collect()
            }
            MaskRates::Schedule {
                schedule,
                t,
                over: RatesOver::Maskable,
            } => {
                let candidates: Vec<u32> = maskable.iter().map(|&p| tokens[p]).collect();
                let mut rates = vec![0.0; candidates.len()];
                schedule.token_mask_rates(t, &candidates, &mut rates);
                rates
            }
        };
        let masked = maskable
            .iter()
            .zip(&rates)
            .filter_map(|(&position, &rate)| (rng.random::<f64>() < rate).then_some(position))
            .collect();
        MaskDraw { maskable, masked }
    }
}

impl MaskDraw {
    /// Where nothing was masked but something is maskable, masks one maskable position
    /// drawn uniformly from `rng` (uniform-weighted training, so every row counts); draws
    /// nothing otherwise.
    pub fn mask_one_if_none<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        if self.masked.is_empty() && !self.maskable.is_empty() {
            self.masked
                .push(self.maskable[rng.random_range(0..self.maskable.len())]);
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::{Linear, Spindle};

    #[test]
    fn skips_prompt_protected_and_mask_ids() {
        let maskable = Maskable::new(9)
            .with_protected_ids([0, 2])
            .with_prompt_len(2);
        assert_eq!(maskable.positions(&[5, 5, 0, 7, 9, 2, 8]), vec![3, 6]);
        assert_eq!(Maskable::new(9).positions(&[1, 9, 3]), vec![0, 2]);
        assert!(maskable.positions(&[]).is_empty());
    }

    #[test]
    fn rate_zero_masks_nothing_and_rate_one_every_maskable_position() {
        let maskable = Maskable::new(9).with_protected_ids([0]);
        let tokens = [3, 0, 4, 9, 5];
        let mut rng = StdRng::seed_from_u64(0);
        let none = maskable.draw(&tokens, MaskRates::Fixed(0.0), &mut rng);
        assert_eq!(none.maskable, [0, 2, 4]);
        assert!(none.masked.is_empty());
        let all = maskable.draw(&tokens, MaskRates::Fixed(1.0), &mut rng);
        assert_eq!(all.masked, [0, 2, 4]);
    }

    #[test]
    fn one_uniform_number_per_maskable_position_in_order() {
        let maskable = Maskable::new(9).with_prompt_len(1);
        let tokens = [1, 2, 3, 4, 5, 6, 7, 8];
        let draw = maskable.draw(
            &tokens,
            MaskRates::Fixed(0.5),
            &mut StdRng::seed_from_u64(3),
        );
        let mut rng = StdRng::seed_from_u64(3);
        let expected: Vec<usize> = (1..8).filter(|_| rng.random::<f64>() < 0.5).collect();
        assert_eq!(draw.masked, expected);
    }

    #[test]
    fn a_flat_schedule_masks_the_same_over_the_sequence_or_the_maskable_tokens() {
        let maskable = Maskable::new(9).with_protected_ids([0]).with_prompt_len(2);
        let tokens = [5, 0, 7, 0, 3, 8, 2, 9, 4, 6];
        for over in [RatesOver::Sequence, RatesOver::Maskable] {
            let rates = MaskRates::Schedule {
                schedule: &Linear::default(),
                t: 0.4,
                over,
            };
            let draw = maskable.draw(&tokens, rates, &mut StdRng::seed_from_u64(5));
            let fixed = maskable.draw(
                &tokens,
                MaskRates::Fixed(0.4),
                &mut StdRng::seed_from_u64(5),
            );
            assert_eq!(draw, fixed, "{over:?}");
        }
    }

    #[test]
    fn a_per_token_schedule_sees_the_tokens_over_names() {
        // Spindle sets each rate against the mean weight of the tokens it is given: the
        // prompt's frequent token 0 counts in that mean over the sequence only.
        let counts: Vec<u64> = (0..10)
            .map(|id| if id == 0 { 1_000_000 } else { 10 + id })
            .collect();
        let spindle = Spindle::new(0.3, &counts).unwrap();
        let maskable = Maskable::new(99).with_prompt_len(4);
        let tokens = [0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
        let positions = maskable.positions(&tokens);
        let mut all = vec![0.0; tokens.len()];
        spindle.token_mask_rates(0.5, &tokens, &mut all);
        let over_sequence: Vec<f64> = positions.iter().map(|&p| all[p]).collect();
        let given: Vec<u32> = positions.iter().map(|&p| tokens[p]).collect();
        let mut over_maskable = vec![0.0; given.len()];
        spindle.token_mask_rates(0.5, &given, &mut over_maskable);
        assert_ne!(over_sequence, over_maskable);
        for (over, expected_rates) in [
            (RatesOver::Sequence, over_sequence),
            (RatesOver::Maskable, over_maskable),
        ] {
            let rates = MaskRates::Schedule {
                schedule: &spindle,
                t: 0.5,
                over,
            };
            for seed in 0..8 {
                let drawn = maskable.draw(&tokens, rates, &mut StdRng::seed_from_u64(seed));
                let mut rng = StdRng::seed_from_u64(seed);
                let expected: Vec<usize> = positions
                    .iter()
                    .zip(&expected_rates)
                    .filter(|&(_, &rate)| rng.random::<f64>() < rate)
                    .map(|(&p, _)| p)
                    .collect();
                assert_eq!(drawn.masked, expected, "{over:?}, seed {seed}");
            }
        }
    }

    #[test]
    fn mask_one_if_none_adds_one_maskable_position_only_to_an_empty_draw() {
        let maskable = Maskable::new(9).with_prompt_len(2);
        let tokens = [1, 2, 3, 4, 5];
        let mut rng = StdRng::seed_from_u64(1);
        let mut empty = maskable.draw(&tokens, MaskRates::Fixed(0.0), &mut rng);
        empty.mask_one_if_none(&mut rng);
        assert_eq!(empty.masked.len(), 1);
        assert!(empty.maskable.contains(&empty.masked[0]));
        let mut full = maskable.draw(&tokens, MaskRates::Fixed(1.0), &mut rng);
        full.mask_one_if_none(&mut rng);
        assert_eq!(full.masked, [2, 3, 4]);
        let mut nothing =
            Maskable::new(9)
                .with_prompt_len(9)
                .draw(&tokens, MaskRates::Fixed(1.0), &mut rng);
        nothing.mask_one_if_none(&mut rng);
        assert!(nothing.masked.is_empty());
    }
}
