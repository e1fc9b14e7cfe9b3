use crate::params::invalid;
use crate::{MaskSchedule, ScheduleError};

/// The times of a reverse process of `steps` steps: t_k = 1 - k/steps for k = 0..=steps
/// (from 1 down to exactly 0).
pub fn time_steps(steps: usize) -> Result<Vec<f64>, ScheduleError> {
    if steps == 0 {
        return Err(invalid("steps", "steps", 0.0, "at least 1 denoising step"));
    }
    Ok((0..=steps)
        .map(|k| (steps - k) as f64 / steps as f64)
        .collect())
}

/// The mask rate at each of the times [`time_steps`] gives: `steps + 1` rates, from the
/// rate at t = 1 down to the rate at t = 0.
pub fn mask_rate_steps(
    schedule: &dyn MaskSchedule,
    steps: usize,
) -> Result<Vec<f64>, ScheduleError> {
    Ok(time_steps(steps)?
        .into_iter()
        .map(|t| schedule.mask_rate(t))
        .collect())
}

/// The probability that a token masked at time `t` is revealed by time `s < t`
/// (MDLM's reverse step): `(alpha_s - alpha_t) / (1 - alpha_t)`, in [0, 1]; 1 when
/// nothing is masked at `t`.
pub fn reveal_probability(schedule: &dyn MaskSchedule, t: f64, s: f64) -> f64 {
    let rate_t = schedule.mask_rate(t);
    if rate_t <= 0.0 {
        return 1.0;
    }
    ((rate_t - schedule.mask_rate(s)) / rate_t).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DiscreteLevels, Linear};

    #[test]
    fn ten_steps_of_the_seed_schedule() {
        let rates = mask_rate_steps(&DiscreteLevels::new(10).unwrap(), 10).unwrap();
        let expected: Vec<f64> = (0..=10).rev().map(|k| k as f64 / 10.0).collect();
        assert_eq!(rates.len(), 11);
        for (rate, want) in rates.iter().zip(&expected) {
            assert!((rate - want).abs() < 1e-12, "{rates:?}");
        }
    }

    #[test]
    fn linear_steps_and_reveal_probability() {
        let rates = mask_rate_steps(&Linear::default(), 4).unwrap();
        assert_eq!(rates, [1.0, 0.75, 0.5, 0.25, 0.0]);
        assert_eq!(reveal_probability(&Linear::default(), 0.5, 0.25), 0.5);
        assert_eq!(reveal_probability(&Linear::default(), 0.25, 0.0), 1.0);
        assert_eq!(reveal_probability(&Linear::default(), 0.0, 0.0), 1.0);
    }

    #[test]
    fn zero_steps_is_an_error() {
        assert!(mask_rate_steps(&Linear::default(), 0).is_err());
    }
}
