//! The run directory, before anything is written to it: a new run never lands on an
//! existing one, a resumed run continues the run its checkpoint belongs to (its saved
//! `config.toml`), and one training at a time uses a directory (an exclusive lock held for
//! the run's duration). Only an accepted run gets its `config.toml` (re)written.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::config::TrainConfig;
use crate::state;

/// The lock file every training holds in its run directory while it runs.
pub const LOCK_FILE: &str = "train.lock";

/// The run's saved config.
pub const CONFIG_FILE: &str = "config.toml";

/// An exclusive lock on a run directory, released when dropped (or when the process ends,
/// however it ends: the operating system drops the lock with the file descriptor).
#[derive(Debug)]
pub struct RunDirLock {
    _file: File,
    path: PathBuf,
}

impl RunDirLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Takes `run_dir`'s lock (creating the lock file), or fails naming the directory when
/// another training holds it.
pub fn lock(run_dir: &Path) -> Result<RunDirLock> {
    let path = run_dir.join(LOCK_FILE);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("opening the lock file {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(RunDirLock { _file: file, path }),
        Err(TryLockError::WouldBlock) => bail!(
            "another training is running in {} (it holds {}); wait for it to finish or choose \
             another --out-dir (run.out_dir)",
            run_dir.display(),
            path.display()
        ),
        Err(TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

/// What in `run_dir` belongs to an earlier run (a new run would overwrite or reuse it).
///
/// A `config.toml` alone is not a run: it is what a run refused after it was accepted (a
/// missing corpus, say) leaves, before it tokenized or trained anything; the next run
/// replaces it.
pub fn existing_run(run_dir: &Path) -> Result<Vec<String>> {
    let mut found = Vec::new();
    let entries = match std::fs::read_dir(run_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => return Err(e).with_context(|| format!("reading {}", run_dir.display())),
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", run_dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let belongs = matches!(
            name.as_str(),
            CONFIG_FILE | "metrics.csv" | "final" | "tokenizer"
        ) || name.starts_with(state::CHECKPOINT_DIR);
        if belongs {
            found.push(name);
        }
    }
    found.sort();
    if found == [CONFIG_FILE] {
        found.clear();
    }
    Ok(found)
}

/// Makes `config.run.out_dir` ready for the run `config` describes and returns its lock:
///
/// - `resume`: the directory must hold a checkpoint (one left half-renamed by a crash is put
///   back first, [`state::recover`]) and a `config.toml` that `config` may resume
///   ([`TrainConfig::resume_differences`]); each difference is named;
/// - a new run: the directory must not hold a run already ([`existing_run`]);
/// - either way no other training may hold the directory ([`lock`]).
///
/// Only then is `config.toml` written: a refused run changes nothing in the directory but
/// its lock file (and a refused `--resume` creates no directory).
pub fn prepare(config: &TrainConfig, resume: bool) -> Result<RunDirLock> {
    let run_dir = &config.run.out_dir;
    if resume && !run_dir.is_dir() {
        bail!(
            "--resume: no checkpoint in {} (the directory does not exist)",
            run_dir.display()
        );
    }
    std::fs::create_dir_all(run_dir).with_context(|| format!("creating {}", run_dir.display()))?;
    let lock = lock(run_dir)?;
    if resume {
        // A run killed between the two renames of a checkpoint left only checkpoint.tmp/ or
        // checkpoint.old/: put the complete copy back first.
        if !state::recover(run_dir)? {
            let dir = state::checkpoint_dir(run_dir);
            if dir.is_dir() {
                bail!(
                    "--resume: {} is incomplete: it has no {}, which a checkpoint writes last, \
                     so its weights cannot be trusted; start a new run, or put a complete \
                     checkpoint there",
                    dir.display(),
                    state::STATE_FILE
                );
            }
            bail!("--resume: no checkpoint in {}", run_dir.display());
        }
        check_resume(config, run_dir)?;
        if let Some(step) = state::saved_step(run_dir)?
            && config.run.steps < step
        {
            bail!(
                "--resume: run.steps = {} is below the checkpoint's step {step} in {}; ask for \
                 at least {step} steps",
                config.run.steps,
                run_dir.display()
            );
        }
    } else {
        let found = existing_run(run_dir)?;
        if !found.is_empty() {
            let how = if state::is_complete(&state::checkpoint_dir(run_dir)) {
                "continue it with --resume, or choose another --out-dir (run.out_dir)"
            } else {
                "it has no checkpoint to resume: choose another --out-dir (run.out_dir), or \
                 move the directory away"
            };
            bail!(
                "{} already holds a run ({}); a new run would overwrite it: {how}",
                run_dir.display(),
                found.join(", ")
            );
        }
    }
    unmask_io::write_atomic(&run_dir.join(CONFIG_FILE), config.to_toml().as_bytes())?;
    Ok(lock)
}

/// Removes `run_dir`, which a run that was then refused created, when that run left nothing
/// in it but its `config.toml` and lock file (a failed run that tokenized or trained
/// something keeps its directory). Best effort: what cannot be removed stays.
pub fn remove_refused(run_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(run_dir) else {
        return;
    };
    let names: Vec<_> = entries.flatten().map(|e| e.file_name()).collect();
    if names.iter().all(|n| n == CONFIG_FILE || n == LOCK_FILE) {
        for name in names {
            let _ = std::fs::remove_file(run_dir.join(name));
        }
        let _ = std::fs::remove_dir(run_dir);
    }
}

/// Refuses to resume the run in `run_dir` with a config it was not made with.
fn check_resume(config: &TrainConfig, run_dir: &Path) -> Result<()> {
    let file = run_dir.join(CONFIG_FILE);
    if !file.is_file() {
        bail!(
            "--resume: {} is missing, so the checkpoint cannot be checked against the config; \
             put the run's config there",
            file.display()
        );
    }
    let saved = TrainConfig::from_file(&file)
        .map_err(|e| anyhow::anyhow!("--resume: the run's saved config: {e}"))?;
    let differences = config.resume_differences(&saved);
    if !differences.is_empty() {
        bail!(
            "--resume: the config differs from the run in {} ({}), which its checkpoint was \
             trained with:\n  {}\nresume with the run's config (only run.steps and the \
             logging, evaluation, checkpoint and snapshot settings may change), or start a new \
             run in another --out-dir",
            run_dir.display(),
            file.display(),
            differences.join("\n  ")
        );
    }
    Ok(())
}
