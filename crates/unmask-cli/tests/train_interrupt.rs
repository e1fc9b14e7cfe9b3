//! Ctrl-C (SIGINT) during `unmask train` through the real binary: the run checkpoints the
//! step it reached, exits with status 130, and `--resume` continues from that step.
//! Needs the State of the Union corpus (`bash datasets/fetch-sotu.sh`).

#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use unmask_test_data::TinyRun;

fn config(corpus: &Path, out_dir: &Path) -> String {
    TinyRun {
        block_len: 48,
        log_every: 1,
        ..TinyRun::new(1_000_000)
    }
    .toml(corpus, out_dir)
}

fn checkpoint_step(run: &Path) -> Option<usize> {
    let text = std::fs::read_to_string(run.join("checkpoint/state.json")).ok()?;
    let state: serde_json::Value = serde_json::from_str(&text).ok()?;
    state["step"].as_u64().map(|s| s as usize)
}

#[test]
fn sigint_checkpoints_exits_130_and_resume_continues() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let config_file = dir.path().join("long.toml");
    std::fs::write(
        &config_file,
        config(&unmask_test_data::sotu_subset(dir.path(), 20), &run),
    )
    .unwrap();
    let config_file = config_file.to_str().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args(["train", "--config", config_file, "--quiet"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until a few steps are logged, then press Ctrl-C.
    let started = Instant::now();
    let metrics = run.join("metrics.csv");
    loop {
        let rows = std::fs::read_to_string(&metrics)
            .map(|t| t.lines().filter(|l| l.contains(",train,")).count())
            .unwrap_or(0);
        if rows >= 3 {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "training ended early ({status}): {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "no steps logged"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(stdout.contains("interrupted after step"), "{stdout}");
    let step = checkpoint_step(&run).expect("a checkpoint after Ctrl-C");
    assert!(step >= 3, "checkpoint at step {step}");
    assert!(stdout.starts_with(&format!("{step} steps")), "{stdout}");
    assert!(!run.join("final").exists());

    let more = (step + 2).to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args(["train", "--config", config_file, "--quiet", "--resume"])
        .args(["--steps", &more])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("resuming from step {step}")),
        "{stderr}"
    );
    assert_eq!(checkpoint_step(&run), Some(step + 2));
    assert!(run.join("final/model.safetensors").is_file());
}
