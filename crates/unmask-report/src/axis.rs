use crate::ticks::{Ticks, linear_ticks, log_ticks};

/// How data values map onto an axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scale {
    Linear,
    Log,
}

impl Scale {
    pub(crate) fn from_log(log: bool) -> Self {
        if log { Scale::Log } else { Scale::Linear }
    }

    /// Whether a value can be placed on this scale: finite, and positive on a log scale.
    pub(crate) fn accepts(self, value: f64) -> bool {
        value.is_finite() && (self == Scale::Linear || value > 0.0)
    }
}

/// One chart axis: its scale, its ticks, and the range between the first and last tick.
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    pub(crate) scale: Scale,
    pub(crate) ticks: Ticks,
}

impl Axis {
    /// Fits an axis around the values the scale accepts; `None` when there are none.
    pub(crate) fn fit(scale: Scale, values: impl IntoIterator<Item = f64>) -> Option<Self> {
        let (min, max) = values.into_iter().filter(|&v| scale.accepts(v)).fold(
            None,
            |range: Option<(f64, f64)>, v| match range {
                None => Some((v, v)),
                Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
            },
        )?;
        let ticks = match scale {
            Scale::Linear => linear_ticks(min, max),
            Scale::Log => log_ticks(min, max),
        };
        Some(Axis { scale, ticks })
    }

    /// Position of `value` along the axis: 0 at the first tick, 1 at the last.
    pub(crate) fn fraction(&self, value: f64) -> f64 {
        let (lo, hi, v) = match self.scale {
            Scale::Linear => (self.ticks.first(), self.ticks.last(), value),
            Scale::Log => (
                self.ticks.first().log10(),
                self.ticks.last().log10(),
                value.log10(),
            ),
        };
        (v - lo) / (hi - lo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_around_accepted_values_only() {
        let axis = Axis::fit(Scale::Log, [f64::NAN, -1.0, 0.0, 1.0, 700.0]).unwrap();
        assert_eq!(axis.ticks.values, vec![1.0, 10.0, 100.0, 1000.0]);
        assert!((axis.fraction(10.0) - 1.0 / 3.0).abs() < 1e-12);
        assert!(Axis::fit(Scale::Log, [f64::INFINITY, -2.0]).is_none());
        assert!(Axis::fit(Scale::Linear, []).is_none());
    }

    #[test]
    fn linear_fraction() {
        let axis = Axis::fit(Scale::Linear, [0.0, 7.3]).unwrap();
        assert_eq!(axis.fraction(0.0), 0.0);
        assert_eq!(axis.fraction(2.0), 0.25);
        assert_eq!(axis.fraction(8.0), 1.0);
    }
}
