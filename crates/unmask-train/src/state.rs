//! Resumable training checkpoints: model and optimizer records plus the loop position,
//! written to a temporary directory and renamed into place.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use burn::module::AutodiffModule;
use burn::optim::Optimizer;
use burn::record::{BinFileRecorder, FullPrecisionSettings, Recorder};
use burn::tensor::backend::AutodiffBackend;
use serde::{Deserialize, Serialize};

/// Where the loop stands; everything else that is random is derived from `seed` and the
/// step, so these numbers and the two records are the whole state.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LoopState {
    /// Optimizer steps completed.
    pub step: usize,
    pub seed: u64,
    /// Mean training loss of the last logged window (for the summary).
    pub last_loss: Option<f64>,
}

pub const CHECKPOINT_DIR: &str = "checkpoint";

fn recorder() -> BinFileRecorder<FullPrecisionSettings> {
    BinFileRecorder::new()
}

pub fn checkpoint_dir(run_dir: &Path) -> PathBuf {
    run_dir.join(CHECKPOINT_DIR)
}

/// Writes `run_dir/checkpoint` atomically: a half-written checkpoint never replaces a good one.
pub fn save<B: AutodiffBackend, M: AutodiffModule<B>, O: Optimizer<M, B>>(
    run_dir: &Path,
    model: &M,
    optim: &O,
    state: &LoopState,
) -> Result<()> {
    let final_dir = checkpoint_dir(run_dir);
    let tmp = run_dir.join(format!("{CHECKPOINT_DIR}.tmp"));
    let old = run_dir.join(format!("{CHECKPOINT_DIR}.old"));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    recorder()
        .record(model.clone().into_record(), tmp.join("model"))
        .context("writing the model record")?;
    recorder()
        .record(optim.to_record(), tmp.join("optimizer"))
        .context("writing the optimizer record")?;
    std::fs::write(tmp.join("state.json"), serde_json::to_string_pretty(state)?)?;
    let _ = std::fs::remove_dir_all(&old);
    if final_dir.exists() {
        std::fs::rename(&final_dir, &old)?;
    }
    std::fs::rename(&tmp, &final_dir)?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(())
}

/// Loads `run_dir/checkpoint` into `model` and `optim`; `None` when there is none.
pub fn load<B: AutodiffBackend, M: AutodiffModule<B>, O: Optimizer<M, B>>(
    run_dir: &Path,
    model: M,
    optim: O,
    device: &B::Device,
) -> Result<Option<(M, O, LoopState)>> {
    let dir = checkpoint_dir(run_dir);
    let state_file = dir.join("state.json");
    if !state_file.is_file() {
        return Ok(None);
    }
    let state: LoopState = serde_json::from_str(&std::fs::read_to_string(&state_file)?)
        .with_context(|| format!("reading {}", state_file.display()))?;
    let model_record = recorder()
        .load(dir.join("model"), device)
        .with_context(|| format!("reading the model record in {}", dir.display()))?;
    let optim_record = recorder()
        .load(dir.join("optimizer"), device)
        .with_context(|| format!("reading the optimizer record in {}", dir.display()))?;
    Ok(Some((
        model.load_record(model_record),
        optim.load_record(optim_record),
        state,
    )))
}
