//! Training metrics: running sums per logging window, loss per mask-rate bucket, and the
//! run's metrics.csv.

use std::fs::{File, OpenOptions};
use std::path::Path;

use anyhow::{Context, Result};
use burn::tensor::{Int, Tensor, backend::Backend};
use serde::{Deserialize, Serialize};

use crate::batcher::TrainBatch;

pub const BUCKETS: usize = 10;

/// Sums over a window of steps. A checkpoint keeps the window it interrupts, so the first
/// row after a resume covers the whole window, as in an uninterrupted run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub loss_sum: f64,
    pub steps: usize,
    pub correct: u64,
    pub masked: u64,
    /// Tokens trained since the window started in this process (for tokens per second; not
    /// kept by a checkpoint).
    #[serde(skip)]
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

    /// Adds one batch (`loss` as the window sums it).
    pub fn add(&mut self, record: &BatchRecord) {
        self.add_tokens(
            &record.nll,
            &record.correct,
            &record.rows,
            &record.row_rates,
        );
        self.loss_sum += record.loss;
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

/// What one batch adds to a [`Window`]: per target token its negative log-likelihood,
/// whether the argmax was right and its row's mask rate, and the batch's loss.
#[derive(Debug, Clone)]
pub struct BatchRecord {
    nll: Vec<f32>,
    correct: Vec<i64>,
    rows: Vec<usize>,
    row_rates: Vec<f64>,
    loss: f64,
}

impl BatchRecord {
    /// The record of `batch` from its loss's per-token tensors.
    pub fn new<B: Backend>(
        batch: &TrainBatch,
        nll: Tensor<B, 1>,
        correct: Tensor<B, 1, Int>,
        loss: f64,
    ) -> Result<Self> {
        let nll = nll
            .into_data()
            .convert::<f32>()
            .into_vec::<f32>()
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let correct = correct
            .into_data()
            .convert::<i64>()
            .into_vec::<i64>()
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        Ok(Self {
            nll,
            correct,
            rows: batch
                .masked_positions
                .iter()
                .map(|p| p / batch.seq)
                .collect(),
            row_rates: batch.mask_rates.clone(),
            loss,
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

/// The run's metrics.csv, written (and on resume read back) through the `csv` crate.
pub struct MetricsCsv {
    out: csv::Writer<File>,
}

/// The columns of metrics.csv: the fixed ones, then the loss in each mask-rate bucket.
fn header() -> Vec<String> {
    let fixed = [
        "step",
        "split",
        "loss",
        "accuracy",
        "lr",
        "tokens_per_s",
        "grad_norm",
    ];
    fixed
        .iter()
        .map(|c| c.to_string())
        .chain((0..BUCKETS).map(|b| format!("loss_mask_{}_{}", b * 10, (b + 1) * 10)))
        .collect()
}

impl MetricsCsv {
    /// Opens `path` for appending (a resumed run continues the same file); a new or empty
    /// file gets the header.
    pub fn open(path: &Path) -> Result<Self> {
        let fresh = std::fs::metadata(path).map_or(true, |m| m.len() == 0);
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .with_context(|| format!("opening {}", path.display()))?;
        let mut out = csv::Writer::from_writer(file);
        if fresh {
            out.write_record(header())?;
            out.flush()?;
        }
        Ok(Self { out })
    }

    /// Opens `path` to continue a run resumed from the checkpoint of step `step`: the rows
    /// logged after that step (by the run that was stopped after its last checkpoint) are
    /// dropped first, so that the resumed run logs them once. A torn last row (no
    /// newline) is dropped as well.
    pub fn open_resumed(path: &Path, step: usize) -> Result<Self> {
        if path.exists() {
            let text =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            let complete = match text.iter().rposition(|&b| b == b'\n') {
                Some(last_newline) => &text[..=last_newline],
                None => &[],
            };
            let mut dropped = complete.len() != text.len();
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .from_reader(complete);
            let mut kept = csv::WriterBuilder::new()
                .flexible(true)
                .from_writer(Vec::new());
            let header = reader.byte_headers()?.clone();
            if !header.is_empty() {
                kept.write_byte_record(&header)?;
            }
            for row in reader.byte_records() {
                let row = row.with_context(|| format!("reading {}", path.display()))?;
                let row_step = row
                    .get(0)
                    .and_then(|f| std::str::from_utf8(f).ok())
                    .and_then(|f| f.parse::<usize>().ok());
                if row_step.is_some_and(|s| s <= step) {
                    kept.write_byte_record(&row)?;
                } else {
                    dropped = true;
                }
            }
            if dropped {
                let kept = kept
                    .into_inner()
                    .map_err(|e| anyhow::anyhow!("{}", e.error()))?;
                unmask_io::write_atomic(path, &kept)?;
            }
        }
        Self::open(path)
    }

    /// Appends `row` and flushes it to the file.
    pub fn write(&mut self, row: &MetricsRow) -> Result<()> {
        let mut record = vec![
            row.step.to_string(),
            row.split.to_string(),
            format!("{:.6}", row.loss),
            format!("{:.5}", row.accuracy),
            format!("{:.3e}", row.lr),
            format!("{:.1}", row.tokens_per_s),
            format!("{:.4}", row.grad_norm),
        ];
        record.extend(
            row.buckets
                .iter()
                .map(|b| b.map(|v| format!("{v:.5}")).unwrap_or_default()),
        );
        self.out.write_record(&record)?;
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
    fn open_resumed_drops_the_rows_after_the_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.csv");
        let header = "step,split,loss\n";
        let rows = "0,validation,9\n5,train,8\n10,train,7\n10,validation,7\n15,train,6\n";
        std::fs::write(&path, format!("{header}{rows}20,tr")).unwrap();
        let mut csv = MetricsCsv::open_resumed(&path, 10).unwrap();
        let kept = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            kept,
            "step,split,loss\n0,validation,9\n5,train,8\n10,train,7\n10,validation,7\n"
        );
        let mut row = MetricsRow {
            step: 15,
            split: "train",
            loss: 6.0,
            accuracy: 0.0,
            lr: 0.0,
            tokens_per_s: 0.0,
            grad_norm: 0.0,
            buckets: [None; BUCKETS],
        };
        csv.write(&row).unwrap();
        row.step = 20;
        csv.write(&row).unwrap();
        let steps: Vec<String> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').take(2).collect::<Vec<_>>().join(","))
            .collect();
        assert_eq!(
            steps,
            [
                "0,validation",
                "5,train",
                "10,train",
                "10,validation",
                "15,train",
                "20,train"
            ]
        );
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
