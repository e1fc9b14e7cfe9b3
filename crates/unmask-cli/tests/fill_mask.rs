//! `unmask fill-mask` through the real binary against transformers' fill-mask pipeline
//! output recorded by the fixture script.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../unmask-roberta/tests/fixtures")
        .join(name)
}

fn unmask(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args(args)
        .output()
        .expect("runs")
}

fn modernbert_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../unmask-modernbert/tests/fixtures")
        .join(name)
}

fn expected_fill_mask(dir: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(dir.join("expected.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["fill_mask"].as_array().unwrap().clone()
}

fn assert_same_candidates(got: &serde_json::Value, want: &serde_json::Value) {
    let (got, want) = (got.as_array().unwrap(), want.as_array().unwrap());
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g["token"], w["token"], "token ids differ: {g} vs {w}");
        assert_eq!(g["token_str"], w["token_str"]);
        assert_eq!(g["sequence"], w["sequence"]);
        let (gs, ws) = (g["score"].as_f64().unwrap(), w["score"].as_f64().unwrap());
        assert!((gs - ws).abs() < 1e-5, "score {gs} vs {ws}");
    }
}

fn check_model(dir: PathBuf) {
    for case in expected_fill_mask(&dir) {
        let text = case["text"].as_str().unwrap();
        let out = unmask(&[
            "fill-mask",
            "--model",
            dir.to_str().unwrap(),
            "--json",
            text,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        if case["masks"] == 1 {
            assert_same_candidates(&got, &case["top5"]);
        } else {
            let (got, want) = (got.as_array().unwrap(), case["top5"].as_array().unwrap());
            assert_eq!(got.len(), want.len(), "one list per mask");
            for (g, w) in got.iter().zip(want) {
                assert_same_candidates(g, w);
            }
        }
    }
}

#[test]
fn roberta_fill_mask_matches_the_transformers_pipeline() {
    check_model(fixture("tiny-roberta"));
}

#[test]
fn bert_fill_mask_matches_the_transformers_pipeline() {
    check_model(fixture("tiny-bert"));
}

#[test]
fn modernbert_fill_mask_matches_the_transformers_pipeline() {
    check_model(modernbert_fixture("tiny-modernbert"));
    check_model(modernbert_fixture("tiny-modernbert-v4"));
}

#[test]
fn a_causal_modernbert_is_refused_by_fill_mask() {
    let tmp = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(modernbert_fixture("tiny-modernbert")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), tmp.path().join(entry.file_name())).unwrap();
    }
    let config = tmp.path().join("config.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    json["causal"] = true.into();
    std::fs::write(&config, json.to_string()).unwrap();
    let out = unmask(&[
        "fill-mask",
        "--model",
        tmp.path().to_str().unwrap(),
        "a <mask>",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("causal LM"), "{err}");
}

#[test]
fn text_without_a_mask_is_a_clear_error() {
    let dir = fixture("tiny-roberta");
    let out = unmask(&[
        "fill-mask",
        "--model",
        dir.to_str().unwrap(),
        "no mask here",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("<mask>"), "{err}");
}

#[test]
fn missing_model_directory_is_a_clear_error() {
    let out = unmask(&["fill-mask", "--model", "./no/such/model", "a <mask>"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no/such/model"), "{err}");
}

#[test]
fn cuda_without_the_feature_is_a_clear_error() {
    let dir = fixture("tiny-roberta");
    let out = unmask(&[
        "fill-mask",
        "--model",
        dir.to_str().unwrap(),
        "--device",
        "cuda",
        "a <mask>",
    ]);
    if cfg!(feature = "cuda") {
        return;
    }
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--features cuda"));
}

#[test]
fn a_closed_output_pipe_ends_the_command_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = fixture("tiny-roberta");
    let mut child = Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args(["generate", "--model", dir.to_str().unwrap()])
        .args(["--length", "8", "--steps", "2", "--num-samples", "2000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first.trim(), "--- sample 1");
    // The reader is gone (like `| head -1`): the writes that follow fail with EPIPE.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Overwrites the tensor `name` of a safetensors file (f32) with NaN, in place.
fn poison_tensor(file: &Path, name: &str) {
    let mut bytes = std::fs::read(file).unwrap();
    let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + header_len]).unwrap();
    assert_eq!(header[name]["dtype"], "F32", "{name}");
    let offsets = header[name]["data_offsets"].as_array().unwrap();
    let (start, end) = (
        8 + header_len + offsets[0].as_u64().unwrap() as usize,
        8 + header_len + offsets[1].as_u64().unwrap() as usize,
    );
    for value in bytes[start..end].chunks_exact_mut(4) {
        value.copy_from_slice(&f32::NAN.to_le_bytes());
    }
    std::fs::write(file, bytes).unwrap();
}

/// A model whose weights hold NaN (a diverged run) gives an error, not NaN scores
/// (`"score": null` in the JSON) and exit status 0.
#[test]
fn nan_scores_are_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = unmask_test_data::tiny_roberta_copy(&tmp.path().join("diverged"));
    poison_tensor(
        &dir.join("model.safetensors"),
        "roberta.embeddings.LayerNorm.weight",
    );
    for json in [true, false] {
        let mut args = vec!["fill-mask", "--model", dir.to_str().unwrap()];
        if json {
            args.push("--json");
        }
        args.push("The capital of France is <mask>.");
        let out = unmask(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("NaN"), "{err}");
        assert!(err.contains("diverged"), "{err}");
        assert!(
            out.stdout.is_empty(),
            "printed scores: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
