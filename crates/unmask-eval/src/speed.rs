use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How fast a generation ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeedReport {
    /// Model calls (function evaluations).
    pub nfe: usize,
    pub wall_seconds: f64,
    /// Tokens generated.
    pub tokens: usize,
    /// `tokens / wall_seconds`; `None` for a zero duration.
    pub tokens_per_second: Option<f64>,
}

impl SpeedReport {
    pub fn from_duration(nfe: usize, tokens: usize, wall: Duration) -> Self {
        let wall_seconds = wall.as_secs_f64();
        Self {
            nfe,
            wall_seconds,
            tokens,
            tokens_per_second: (wall_seconds > 0.0).then(|| tokens as f64 / wall_seconds),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_per_second_from_duration() {
        let report = SpeedReport::from_duration(64, 256, Duration::from_millis(500));
        assert_eq!(report.wall_seconds, 0.5);
        assert_eq!(report.tokens_per_second, Some(512.0));
        assert_eq!(report.nfe, 64);
        assert_eq!(
            SpeedReport::from_duration(1, 5, Duration::ZERO).tokens_per_second,
            None
        );
    }
}
