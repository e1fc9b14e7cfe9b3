use std::sync::Arc;

use unmask_schedule::MaskSchedule;

/// How many masked positions a confidence policy commits at each step of a block.
#[derive(Debug, Clone)]
pub enum CommitSplit {
    /// LLaDA: `n / steps` per step, the remainder `n % steps` spread one each over the first steps.
    Even,
    /// dllm / MaskGIT: the number still masked after step `k` follows the schedule's mask
    /// rate, `round(n * rate(t_{k+1}) / rate(1))` with `t_k = 1 - k/steps`, made
    /// non-increasing and forced to 0 after the last step.
    Schedule(Arc<dyn MaskSchedule>),
}

impl CommitSplit {
    /// The name used in configs: `even` or the schedule's spec.
    pub fn name(&self) -> String {
        match self {
            Self::Even => "even".to_string(),
            Self::Schedule(schedule) => schedule.name(),
        }
    }

    /// How many of `n` masks are left after each of `steps` steps; the last entry is 0.
    pub fn remaining(&self, n: usize, steps: usize) -> Vec<usize> {
        let mut left = n;
        match self {
            Self::Even => self
                .counts(n, steps)
                .into_iter()
                .map(|count| {
                    left -= count;
                    left
                })
                .collect(),
            Self::Schedule(schedule) => {
                let start = schedule.mask_rate(1.0);
                (0..steps)
                    .map(|k| {
                        let t = (steps - k - 1) as f64 / steps as f64;
                        let target = (n as f64 * schedule.mask_rate(t) / start).round();
                        // `as` saturates (NaN to 0), and `min` keeps the count non-increasing.
                        left = if k + 1 == steps {
                            0
                        } else {
                            (target as usize).min(left)
                        };
                        left
                    })
                    .collect()
            }
        }
    }

    /// How many masks are committed at each of `steps` steps; sums to `n`.
    pub fn counts(&self, n: usize, steps: usize) -> Vec<usize> {
        match self {
            Self::Even => (0..steps)
                .map(|k| n / steps + usize::from(k < n % steps))
                .collect(),
            Self::Schedule(_) => {
                let mut before = n;
                self.remaining(n, steps)
                    .into_iter()
                    .map(|after| {
                        let count = before - after;
                        before = after;
                        count
                    })
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unmask_schedule::{Cosine, Linear};

    #[test]
    fn even_split_spreads_the_remainder_first() {
        assert_eq!(CommitSplit::Even.counts(10, 4), [3, 3, 2, 2]);
        assert_eq!(CommitSplit::Even.remaining(10, 4), [7, 4, 2, 0]);
        assert_eq!(CommitSplit::Even.counts(2, 4), [1, 1, 0, 0]);
        assert_eq!(CommitSplit::Even.counts(8, 1), [8]);
    }

    #[test]
    fn linear_schedule_matches_hand_computation() {
        let split = CommitSplit::Schedule(Arc::new(Linear::default()));
        // remaining round(10 * 3/4) = 8 (7.5 rounds away from zero), round(5) = 5, round(2.5) = 3, 0
        assert_eq!(split.remaining(10, 4), [8, 5, 3, 0]);
        assert_eq!(split.counts(10, 4), [2, 3, 2, 3]);
    }

    #[test]
    fn cosine_commits_few_first_and_many_last() {
        let split = CommitSplit::Schedule(Arc::new(Cosine));
        // rates sin(pi/2 * t): t = 3/4 -> 0.924, 1/2 -> 0.707, 1/4 -> 0.383
        assert_eq!(split.remaining(100, 4), [92, 71, 38, 0]);
        assert_eq!(split.counts(100, 4), [8, 21, 33, 38]);
    }
}
