use crate::params::invalid;
use crate::{MaskSchedule, ScheduleArgs, ScheduleError};

/// The seed experiment's schedule (`levels:10`): the mask rate is one of
/// {1/n, 2/n, ..., 1}, drawn uniformly.
///
/// As a function of time, t in (0, 1] maps to the level `ceil(t n) / n` (and t = 0 to 0),
/// so a time drawn uniformly from (0, 1] picks each level with probability 1/n and the
/// continuous time samplers work unchanged. The step function is the linear schedule
/// alpha = 1 - t rounded up to the level grid.
///
/// ELBO weight: `1 / mask_rate(t)`. This is the exact discrete-time ELBO of the n-level
/// linear chain (alpha_k = 1 - k/n): step k contributes
/// `(alpha_{k-1} - alpha_k) / (1 - alpha_k) = 1/k` per masked token, and the sum over
/// k equals n times the mean over a uniformly drawn level, i.e. weight `n/k = 1/rate`.
/// It agrees with the linear schedule's `1/t` on the level grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DiscreteLevels {
    levels: u32,
}

/// t n is rounded up after taking off this much, so that t = k/n computed in floating
/// point (e.g. 1 - 0.7) lands on level k rather than k + 1.
const GRID_TOLERANCE: f64 = 1e-9;

impl DiscreteLevels {
    /// The seed experiment's 10 levels.
    pub const SEED_LEVELS: u32 = 10;

    /// `levels` must be at least 1.
    pub fn new(levels: u32) -> Result<Self, ScheduleError> {
        if levels >= 1 {
            Ok(Self { levels })
        } else {
            Err(invalid(
                "levels",
                "levels",
                levels as f64,
                "a whole number >= 1, e.g. 10",
            ))
        }
    }

    pub fn levels(&self) -> u32 {
        self.levels
    }

    /// The level index k in 0..=n that time `t` falls on (rate = k / n).
    pub fn level(&self, t: f64) -> u32 {
        let n = self.levels as f64;
        let scaled = t.clamp(0.0, 1.0) * n;
        (scaled - GRID_TOLERANCE).ceil().clamp(0.0, n) as u32
    }

    /// Registry factory: `levels` (10) or `levels:N`.
    pub fn from_args(args: &ScheduleArgs) -> Result<Box<dyn MaskSchedule>, ScheduleError> {
        args.expect_at_most(1, "levels:N")?;
        let levels = args.u32_or(0, "levels", Self::SEED_LEVELS)?;
        Ok(Box::new(Self::new(levels)?))
    }
}

impl MaskSchedule for DiscreteLevels {
    fn name(&self) -> String {
        format!("levels:{}", self.levels)
    }

    fn mask_rate(&self, t: f64) -> f64 {
        self.level(t) as f64 / self.levels as f64
    }

    /// Zero: the step function is flat between levels (its jumps carry the mass; see the
    /// type's doc for the weight).
    fn alpha_derivative(&self, _t: f64) -> f64 {
        0.0
    }

    fn elbo_weight(&self, t: f64) -> Option<f64> {
        let rate = self.mask_rate(t);
        (rate > 0.0).then(|| 1.0 / rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_time_to_levels() {
        let schedule = DiscreteLevels::new(10).unwrap();
        let cases = [
            (0.0, 0.0),
            (1e-6, 0.1),
            (0.1, 0.1),
            (0.10001, 0.2),
            (0.3, 0.3),
            (1.0 - 0.7, 0.3),
            (0.7, 0.7),
            (0.95, 1.0),
            (1.0, 1.0),
        ];
        for (t, rate) in cases {
            assert!((schedule.mask_rate(t) - rate).abs() < 1e-12, "t = {t}");
        }
    }

    #[test]
    fn elbo_weight_is_inverse_level_rate() {
        let schedule = DiscreteLevels::new(4).unwrap();
        assert_eq!(schedule.elbo_weight(0.2), Some(4.0));
        assert_eq!(schedule.elbo_weight(0.5), Some(2.0));
        assert_eq!(schedule.elbo_weight(1.0), Some(1.0));
        assert_eq!(schedule.elbo_weight(0.0), None);
        assert!(schedule.has_elbo());
    }

    #[test]
    fn one_level_masks_everything() {
        let schedule = DiscreteLevels::new(1).unwrap();
        assert_eq!(schedule.mask_rate(0.01), 1.0);
        assert!(DiscreteLevels::new(0).is_err());
    }
}
