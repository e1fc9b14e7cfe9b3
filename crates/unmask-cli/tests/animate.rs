//! `unmask generate --animate` through the real binary, on the committed tiny fixture models
//! (random weights: the text is noise, the animation is what is checked).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use unmask_report::{MASK_GLYPH, check_svg};

fn fixture(crate_name: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(crate_name)
        .join("tests/fixtures")
        .join(name)
}

fn unmask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args(args)
        .output()
        .expect("the unmask binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Generates with `--animate` into a fresh directory; returns the `--json` output and the SVG.
fn animate(model: &Path, args: &[&str]) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.svg");
    let mut all = vec![
        "generate",
        "--model",
        model.to_str().unwrap(),
        "--json",
        "--animate",
        path.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let out = unmask(&all);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    let json = serde_json::from_slice(&out.stdout).expect("--json prints JSON");
    (
        json,
        std::fs::read_to_string(&path).expect("the animation is written"),
    )
}

#[test]
fn an_animation_has_one_frame_per_step() {
    for (model, args) in [
        (
            fixture("unmask-roberta", "tiny-roberta"),
            &[
                "--prompt", "Hello", "--length", "12", "--steps", "6", "--policy", "seed",
            ][..],
        ),
        (
            fixture("unmask-roberta", "tiny-bert"),
            &[
                "--template",
                "hello [MASK:5] world [MASK:3]",
                "--steps",
                "4",
                "--remask",
                "0.3",
            ][..],
        ),
        (
            fixture("unmask-modernbert", "tiny-modernbert"),
            &[
                "--length",
                "10",
                "--steps",
                "10",
                "--policy",
                "ancestral",
                "--num-samples",
                "2",
            ][..],
        ),
    ] {
        let (json, svg) = animate(&model, args);
        let summary = check_svg(&svg).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        let steps = json["steps"].as_u64().unwrap() as usize;
        assert!(steps >= 1, "{json}");
        // The start, then one frame per step.
        assert_eq!(
            svg.matches(r#"<g class="frame""#).count(),
            steps + 1,
            "{args:?}"
        );
        assert_eq!(summary.count("animate"), steps + 1);
        let start = summary
            .text_contents
            .iter()
            .find(|t| t.starts_with("start · "))
            .expect("a start frame");
        assert!(start.ends_with(" masked"), "{start}");
        let last = format!("step {steps} of {steps} · 0 masked");
        assert!(
            summary.text_contents.iter().any(|t| t.starts_with(&last)),
            "{args:?}: no {last:?} in {:?}",
            summary.text_contents
        );
        assert!(svg.contains(MASK_GLYPH), "{args:?}");
    }
}

#[test]
fn a_path_the_animation_cannot_be_written_to_fails_before_the_model_runs() {
    let dir = tempfile::tempdir().unwrap();
    let missing_dir = dir.path().join("no-such-dir").join("out.svg");
    // The model does not exist either: the animation path is checked first, so its error
    // is the one reported.
    let no_model = dir.path().join("no-such-model");
    for (path, mention) in [
        (missing_dir.as_path(), "does not exist"),
        (dir.path(), "is a directory"),
    ] {
        let out = unmask(&[
            "generate",
            "--model",
            no_model.to_str().unwrap(),
            "--prompt",
            "Hello",
            "--animate",
            path.to_str().unwrap(),
        ]);
        let err = stderr(&out);
        assert!(!out.status.success(), "{path:?} should fail");
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.contains("animation"), "{err}");
        assert!(err.contains(mention), "{err}");
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(
            !err.contains("no-such-model"),
            "the model was looked for first: {err}"
        );
    }
    assert!(!missing_dir.parent().unwrap().exists());
}
