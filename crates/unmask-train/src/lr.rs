use serde::{Deserialize, Serialize};

/// How the learning rate falls after warmup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decay {
    Linear,
    Cosine,
    Constant,
}

/// Linear warmup from 0 to `peak` over `warmup` steps, then decay to 0 at `total` steps
/// (transformers' `get_linear_schedule_with_warmup` / `get_cosine_schedule_with_warmup`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LrSchedule {
    pub peak: f64,
    pub warmup: usize,
    pub total: usize,
    pub decay: Decay,
}

impl LrSchedule {
    /// The learning rate of optimizer step `step` (0-based).
    pub fn at(&self, step: usize) -> f64 {
        if step < self.warmup {
            return self.peak * step as f64 / self.warmup.max(1) as f64;
        }
        let span = self.total.saturating_sub(self.warmup).max(1) as f64;
        let progress = ((step - self.warmup) as f64 / span).min(1.0);
        match self.decay {
            Decay::Linear => self.peak * (1.0 - progress),
            Decay::Cosine => self.peak * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos()),
            Decay::Constant => self.peak,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warmup_then_decay_to_zero() {
        for decay in [Decay::Linear, Decay::Cosine] {
            let s = LrSchedule {
                peak: 1e-3,
                warmup: 10,
                total: 110,
                decay,
            };
            assert_eq!(s.at(0), 0.0);
            assert!((s.at(5) - 5e-4).abs() < 1e-12);
            assert!((s.at(10) - 1e-3).abs() < 1e-12);
            assert!((s.at(60) - 5e-4).abs() < 1e-12, "{decay:?} at the midpoint");
            assert!(s.at(110).abs() < 1e-12);
            assert!((10..110).all(|i| s.at(i + 1) <= s.at(i)));
        }
    }
}
