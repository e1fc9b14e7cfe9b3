//! Training metrics: running sums per logging window, loss per mask-rate bucket, and the
//! run's metrics.csv.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Result;

pub const BUCKETS: usize = 10;

/// Sums over a window of steps.
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub loss_sum: f64,
    pub steps: usize,
    pub correct: u64,
    pub masked: u64,
    pub tokens: u64,
    pub bucket_nll: [f64; BUCKETS],
    pub bucket_count: [u64; BUCKETS],
}

/// The bucket of a mask rate: 0-10%, 10-20%, ..., 90-100%.
pub fn bucket_of(rate: f64) -> usize {
    ((rate * BUCKETS as f64) as usize).min(BUCKETS - 1)
}

impl Window {
    /// `nll`/`correct` per masked token; `rows` the row of each masked token; `row_rates`
    /// the nominal mask rate of each row.
    pub fn add_tokens(&mut self, nll: &[f32], correct: &[i64], rows: &[usize], row_rates: &[f64]) {
        for ((&l, &c), &row) in nll.iter().zip(correct).zip(rows) {
            let b = bucket_of(row_rates[row]);
            self.bucket_nll[b] += l as f64;
            self.bucket_count[b] += 1;
            self.correct += c as u64;
        }
        self.masked += nll.len() as u64;
    }

    pub fn mean_loss(&self) -> f64 {
        self.loss_sum / self.steps.max(1) as f64
    }

    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.masked.max(1) as f64
    }

    pub fn bucket_means(&self) -> [Option<f64>; BUCKETS] {
        std::array::from_fn(|b| {
            (self.bucket_count[b] > 0).then(|| self.bucket_nll[b] / self.bucket_count[b] as f64)
        })
    }
}

/// One row of metrics.csv.
#[derive(Debug, Clone)]
pub struct MetricsRow {
    pub step: usize,
    pub split: &'static str,
    pub loss: f64,
    pub accuracy: f64,
    pub lr: f64,
    pub tokens_per_s: f64,
    pub grad_norm: f64,
    pub buckets: [Option<f64>; BUCKETS],
}

pub struct MetricsCsv {
    out: BufWriter<File>,
}

impl MetricsCsv {
    /// Opens `path` for appending (a resumed run continues the same file).
    pub fn open(path: &Path) -> Result<Self> {
        let fresh = !path.exists();
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let mut out = BufWriter::new(file);
        if fresh {
            let buckets: Vec<String> = (0..BUCKETS)
                .map(|b| format!("loss_mask_{}_{}", b * 10, (b + 1) * 10))
                .collect();
            writeln!(
                out,
                "step,split,loss,accuracy,lr,tokens_per_s,grad_norm,{}",
                buckets.join(",")
            )?;
        }
        Ok(Self { out })
    }

    pub fn write(&mut self, row: &MetricsRow) -> Result<()> {
        let buckets: Vec<String> = row
            .buckets
            .iter()
            .map(|b| b.map(|v| format!("{v:.5}")).unwrap_or_default())
            .collect();
        writeln!(
            self.out,
            "{},{},{:.6},{:.5},{:.3e},{:.1},{:.4},{}",
            row.step,
            row.split,
            row.loss,
            row.accuracy,
            row.lr,
            row.tokens_per_s,
            row.grad_norm,
            buckets.join(",")
        )?;
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_zero_to_one() {
        assert_eq!(bucket_of(0.0), 0);
        assert_eq!(bucket_of(0.15), 1);
        assert_eq!(bucket_of(0.999), 9);
        assert_eq!(bucket_of(1.0), 9);
    }

    #[test]
    fn window_averages_per_bucket() {
        let mut w = Window::default();
        w.add_tokens(&[1.0, 3.0, 5.0], &[1, 0, 1], &[0, 0, 1], &[0.15, 0.95]);
        let means = w.bucket_means();
        assert_eq!(means[1], Some(2.0));
        assert_eq!(means[9], Some(5.0));
        assert_eq!(means[0], None);
        assert!((w.accuracy() - 2.0 / 3.0).abs() < 1e-12);
    }
}
