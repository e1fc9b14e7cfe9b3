//! Resumable training checkpoints: model and optimizer records plus the loop position,
//! written to a temporary directory, flushed to disk, and renamed into place.
//!
//! A checkpoint directory is complete when its `state.json` is there: it is written last,
//! after the records are on disk. [`save`] writes `checkpoint.tmp/`, renames the current
//! `checkpoint/` to `checkpoint.old/`, renames `checkpoint.tmp/` to `checkpoint/` and removes
//! `checkpoint.old/`; a crash between the two renames leaves no `checkpoint/`, and
//! [`recover`] puts the newest complete copy back.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use burn::module::AutodiffModule;
use burn::optim::Optimizer;
use burn::record::{BinBytesRecorder, BinFileRecorder, FullPrecisionSettings, Record, Recorder};
use burn::tensor::backend::{AutodiffBackend, Backend};
use serde::{Deserialize, Serialize};

use crate::metrics::Window;

/// Where the loop stands; everything else that is random is derived from `seed` and the
/// step, so these numbers and the two records are the whole state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LoopState {
    /// Optimizer steps completed.
    pub step: usize,
    pub seed: u64,
    /// Mean training loss of the last logged window (for the summary).
    pub last_loss: Option<f64>,
    /// The logging window this checkpoint interrupts (empty at a logging step).
    #[serde(default)]
    pub window: Window,
}

pub const CHECKPOINT_DIR: &str = "checkpoint";

/// How a checkpoint's records are encoded (burn's bincode, full precision); unmask writes the
/// bytes itself, so that a failed write names its file.
type RecordBytes = BinBytesRecorder<FullPrecisionSettings>;
const MODEL_FILE: &str = "model.bin";
const OPTIMIZER_FILE: &str = "optimizer.bin";

pub fn checkpoint_dir(run_dir: &Path) -> PathBuf {
    run_dir.join(CHECKPOINT_DIR)
}

/// The marker of a complete checkpoint directory (written last).
pub const STATE_FILE: &str = "state.json";

fn tmp_dir(run_dir: &Path) -> PathBuf {
    run_dir.join(format!("{CHECKPOINT_DIR}.tmp"))
}

fn old_dir(run_dir: &Path) -> PathBuf {
    run_dir.join(format!("{CHECKPOINT_DIR}.old"))
}

/// Whether `dir` holds a complete checkpoint (its `state.json` is there).
pub fn is_complete(dir: &Path) -> bool {
    dir.join(STATE_FILE).is_file()
}

/// Flushes a file or a directory (its entries) to disk.
fn sync_path(path: &Path) -> Result<()> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("flushing {} to disk", path.display()))
}

/// Writes `run_dir/checkpoint` atomically: a half-written checkpoint never replaces a good
/// one, and the records, `state.json` and the renames are flushed to disk (fsync) before
/// the old checkpoint is dropped.
pub fn save<B: AutodiffBackend, M: AutodiffModule<B>, O: Optimizer<M, B>>(
    run_dir: &Path,
    model: &M,
    optim: &O,
    state: &LoopState,
) -> Result<()> {
    save_keeping(run_dir, model, optim, state, 1)
}

/// The directory an older kept checkpoint of `step` moves to.
pub fn kept_checkpoint_dir(run_dir: &Path, step: usize) -> PathBuf {
    run_dir.join(format!("{CHECKPOINT_DIR}-{step}"))
}

/// The steps of the older kept checkpoints (`checkpoint-STEP/`), newest first.
pub fn kept_steps(run_dir: &Path) -> Result<Vec<usize>> {
    let mut steps = Vec::new();
    let prefix = format!("{CHECKPOINT_DIR}-");
    for entry in std::fs::read_dir(run_dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let step = name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|n| n.parse::<usize>().ok());
        if let Some(step) = step
            && entry.path().is_dir()
        {
            steps.push(step);
        }
    }
    steps.sort_unstable_by(|a, b| b.cmp(a));
    Ok(steps)
}

/// [`save`], keeping the `keep` newest checkpoints: the newest in `checkpoint/`, the
/// `keep - 1` before it in `checkpoint-STEP/` (older ones are removed).
pub fn save_keeping<B: AutodiffBackend, M: AutodiffModule<B>, O: Optimizer<M, B>>(
    run_dir: &Path,
    model: &M,
    optim: &O,
    state: &LoopState,
    keep: usize,
) -> Result<()> {
    let final_dir = checkpoint_dir(run_dir);
    let tmp = tmp_dir(run_dir);
    let old = old_dir(run_dir);
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    if let Err(error) = write_checkpoint_files(&tmp, model, optim, state) {
        // A failed write (a full disk) leaves nothing behind: the last good checkpoint stays.
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(error);
    }
    let _ = std::fs::remove_dir_all(&old);
    if final_dir.exists() {
        std::fs::rename(&final_dir, &old)?;
    }
    std::fs::rename(&tmp, &final_dir)?;
    sync_path(run_dir)?;
    if keep > 1 && is_complete(&old) {
        let old_step = read_state(&old)?.step;
        if old_step != state.step {
            let kept = kept_checkpoint_dir(run_dir, old_step);
            let _ = std::fs::remove_dir_all(&kept);
            std::fs::rename(&old, &kept)?;
        }
    }
    let _ = std::fs::remove_dir_all(&old);
    for step in kept_steps(run_dir)?
        .into_iter()
        .skip(keep.saturating_sub(1))
    {
        std::fs::remove_dir_all(kept_checkpoint_dir(run_dir, step))?;
    }
    sync_path(run_dir)?;
    Ok(())
}

/// The records (`model.bin`, `optimizer.bin`) and, last,
/// `state.json`, each written and flushed through `unmask_io`, so that a failed write names
/// its file and says when the disk is full.
fn write_checkpoint_files<B: AutodiffBackend, M: AutodiffModule<B>, O: Optimizer<M, B>>(
    dir: &Path,
    model: &M,
    optim: &O,
    state: &LoopState,
) -> Result<()> {
    let bytes = RecordBytes::default();
    let model_bytes = Recorder::<B>::record(&bytes, model.clone().into_record(), ())
        .context("serializing the model record")?;
    unmask_io::write_atomic(&dir.join(MODEL_FILE), &model_bytes)?;
    drop(model_bytes);
    let optimizer_bytes = Recorder::<B>::record(&bytes, optim.to_record(), ())
        .context("serializing the optimizer record")?;
    unmask_io::write_atomic(&dir.join(OPTIMIZER_FILE), &optimizer_bytes)?;
    drop(optimizer_bytes);
    // The records are on disk (each write is flushed) before the marker that says they are
    // complete.
    let state_json = serde_json::to_string_pretty(state)?;
    unmask_io::write_atomic(&dir.join(STATE_FILE), state_json.as_bytes())?;
    Ok(())
}

/// One record file of a checkpoint. A file that does not decode (cut short by a full disk or a
/// copy, or not a checkpoint record) is named with what to do, not with burn's error chain.
fn read_record<B: Backend, R: Record<B>>(file: &Path, device: &B::Device) -> Result<R> {
    std::fs::File::open(file).with_context(|| format!("reading {}", file.display()))?;
    // burn's bytes recorder panics on bytes that do not decode; its file recorder reads the
    // same encoding and returns the error.
    BinFileRecorder::<FullPrecisionSettings>::new()
        .load(file.with_extension(""), device)
        .map_err(|error| {
            let cut_short = format!("{error:?}").contains("UnexpectedE");
            anyhow::anyhow!(
                "{} is not a readable checkpoint record ({}); resume from an older kept \
                 checkpoint (checkpoint-STEP/) if the run has one, or start the run again",
                file.display(),
                if cut_short {
                    "the file ends early: it was cut short"
                } else {
                    "it does not decode: damaged, or not written by this version of unmask"
                }
            )
        })
}

fn read_state(dir: &Path) -> Result<LoopState> {
    let file = dir.join(STATE_FILE);
    serde_json::from_str(&std::fs::read_to_string(&file)?)
        .with_context(|| format!("reading {}", file.display()))
}

/// Puts a complete checkpoint back in `run_dir/checkpoint` after a crash inside [`save`],
/// and returns whether there is one.
///
/// A complete `checkpoint/` is used as it is. Without one (a crash between the two
/// renames), the complete `checkpoint.tmp/` (the newer copy) is renamed into place, or else
/// the complete `checkpoint.old/`; an incomplete copy is never used.
pub fn recover(run_dir: &Path) -> Result<bool> {
    let final_dir = checkpoint_dir(run_dir);
    if is_complete(&final_dir) {
        return Ok(true);
    }
    for candidate in [tmp_dir(run_dir), old_dir(run_dir)] {
        if is_complete(&candidate) {
            if final_dir.exists() {
                std::fs::remove_dir_all(&final_dir)
                    .with_context(|| format!("removing {}", final_dir.display()))?;
            }
            std::fs::rename(&candidate, &final_dir).with_context(|| {
                format!(
                    "recovering {} as {}",
                    candidate.display(),
                    final_dir.display()
                )
            })?;
            sync_path(run_dir)?;
            eprintln!(
                "recovered the checkpoint from {} (a run stopped while checkpointing)",
                candidate.display()
            );
            return Ok(true);
        }
    }
    Ok(false)
}

/// The step of the checkpoint in `run_dir/checkpoint`, if there is a complete one.
pub fn saved_step(run_dir: &Path) -> Result<Option<usize>> {
    let file = checkpoint_dir(run_dir).join(STATE_FILE);
    if !file.is_file() {
        return Ok(None);
    }
    let state: LoopState = serde_json::from_str(&std::fs::read_to_string(&file)?)
        .with_context(|| format!("reading {}", file.display()))?;
    Ok(Some(state.step))
}

/// Loads `run_dir/checkpoint` into `model` and `optim`; `None` when there is none.
pub fn load<B: AutodiffBackend, M: AutodiffModule<B>, O: Optimizer<M, B>>(
    run_dir: &Path,
    model: M,
    optim: O,
    device: &B::Device,
) -> Result<Option<(M, O, LoopState)>> {
    let dir = checkpoint_dir(run_dir);
    let state_file = dir.join(STATE_FILE);
    if !state_file.is_file() {
        return Ok(None);
    }
    let state: LoopState = serde_json::from_str(&std::fs::read_to_string(&state_file)?)
        .with_context(|| format!("reading {}", state_file.display()))?;
    let model_record = read_record::<B, M::Record>(&dir.join(MODEL_FILE), device)?;
    let optim_record = read_record::<B, O::Record>(&dir.join(OPTIMIZER_FILE), device)?;
    Ok(Some((
        model.load_record(model_record),
        optim.load_record(optim_record),
        state,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_checkpoint(dir: &Path, step: Option<usize>) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("model.bin"), b"records").unwrap();
        if let Some(step) = step {
            let state = LoopState {
                step,
                seed: 1,
                last_loss: None,
                window: Window::default(),
            };
            std::fs::write(dir.join(STATE_FILE), serde_json::to_string(&state).unwrap()).unwrap();
        }
    }

    #[test]
    fn recover_prefers_complete_checkpoints_newest_first() {
        let run = tempfile::tempdir().unwrap();
        let run = run.path();
        assert!(!recover(run).unwrap());

        // Crash between the renames: complete .old (step 5) and complete .tmp (step 10).
        fake_checkpoint(&old_dir(run), Some(5));
        fake_checkpoint(&tmp_dir(run), Some(10));
        assert!(recover(run).unwrap());
        assert_eq!(saved_step(run).unwrap(), Some(10));
        assert!(!tmp_dir(run).exists());

        // A complete checkpoint/ is left alone.
        assert!(recover(run).unwrap());
        assert_eq!(saved_step(run).unwrap(), Some(10));

        // An incomplete .tmp is never used; the complete .old is.
        std::fs::remove_dir_all(checkpoint_dir(run)).unwrap();
        fake_checkpoint(&tmp_dir(run), None);
        assert!(recover(run).unwrap());
        assert_eq!(saved_step(run).unwrap(), Some(5));
        assert!(!old_dir(run).exists());

        // Nothing complete: nothing to resume from.
        std::fs::remove_dir_all(checkpoint_dir(run)).unwrap();
        assert!(!recover(run).unwrap());
    }
}
