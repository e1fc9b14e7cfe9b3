//! Every experiment on the `tiny` preset (a few training steps on a few State of the Union
//! addresses): the reports, CSV, JSON and figures are written and well-formed. Needs the
//! corpus and all-MiniLM-L6-v2 (`bash datasets/fetch-test-data.sh`, the README's test
//! command, fetches both).

use std::path::{Path, PathBuf};

use experiments::{EXPERIMENTS, Preset, RunExperiments};
use unmask_runtime::device::{DeviceSpec, run_on};

/// 30 addresses (the split sends every 20th document to test, the 19th to validation).
fn small_corpus(tmp: &Path) -> PathBuf {
    unmask_test_data::sotu_subset(tmp, 30)
}

fn tiny_preset(tmp: &Path) -> Preset {
    let mut preset = Preset::load("tiny").unwrap();
    preset.corpus = small_corpus(tmp).display().to_string();
    preset
}

fn check_report(dir: &Path, figures: &[&str], csvs: &[&str]) {
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(report.starts_with("# "), "{report}");
    assert!(
        report.contains("cargo run --release -p experiments"),
        "{report}"
    );
    for figure in figures {
        let svg = std::fs::read_to_string(dir.join(figure))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.join(figure).display()));
        let summary = unmask_report::check_svg(&svg).unwrap();
        assert!(
            summary.count("polyline") + summary.count("circle") > 0 && !summary.has_text("no data"),
            "{figure} draws no series"
        );
        assert!(report.contains(figure), "report.md does not show {figure}");
    }
    for csv in csvs {
        let text = std::fs::read_to_string(dir.join(csv)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() >= 2, "{csv} has no rows");
        let columns = lines[0].split(',').count();
        assert!(
            lines.iter().all(|l| l.split(',').count() >= columns),
            "{csv} has ragged rows"
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    assert!(json["results"].is_array() || json["results"].is_object());
}

/// The report's denoising animations: `count` animated SVGs, each shown in report.md, each
/// with a start frame and one frame per step up to a finished canvas.
fn check_denoising_figures(dir: &Path, count: usize) {
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("denoising-") && n.ends_with(".svg"))
        .collect();
    names.sort();
    assert_eq!(names.len(), count, "{}: {names:?}", dir.display());
    for name in names {
        let svg = std::fs::read_to_string(dir.join(&name)).unwrap();
        let summary = unmask_report::check_svg(&svg).unwrap();
        let frames = summary.count("animate");
        assert!(frames >= 2, "{name}: {frames} frames");
        let steps = frames - 1;
        let last = format!("step {steps} of {steps} · 0 masked");
        assert!(
            summary.text_contents.iter().any(|t| t.starts_with(&last)),
            "{name}: no {last:?}"
        );
        assert!(report.contains(&name), "report.md does not show {name}");
    }
}

/// Data rows of a report's CSV.
fn csv_rows(dir: &Path, csv: &str) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join(csv)).unwrap();
    text.lines().skip(1).map(str::to_string).collect()
}

#[test]
fn every_experiment_writes_a_well_formed_report() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("runs");
    let preset = tiny_preset(tmp.path());
    let job = RunExperiments {
        names: RunExperiments::names("all", &preset).unwrap(),
        preset,
        out: out.clone(),
        command: "cargo run --release -p experiments -- all --preset tiny".into(),
        device_label: "cpu".into(),
    };
    let dirs = run_on(DeviceSpec::Cpu, job).unwrap();
    assert_eq!(dirs.len(), EXPERIMENTS.len());
    let comparison = [
        "loss_vs_mask_rate.svg",
        "loss_difference.svg",
        "validation.svg",
    ];
    let comparison_csv = ["summary.csv", "generation.csv", "loss_vs_mask_rate.csv"];
    check_report(
        &out.join("bert-vs-diffusion-tiny"),
        &comparison,
        &comparison_csv,
    );
    check_report(
        &out.join("pretrained-init-tiny"),
        &comparison,
        &comparison_csv,
    );
    check_report(&out.join("schedules-tiny"), &comparison, &comparison_csv);
    check_report(
        &out.join("samplers-tiny"),
        &[
            "gen_ppl_vs_nfe.svg",
            "entropy_vs_nfe.svg",
            "speed_vs_nfe.svg",
        ],
        &["samplers.csv", "samplers_cache.csv"],
    );
    check_report(
        &out.join("ar-vs-diffusion-tiny"),
        &[
            "quality_vs_time.svg",
            "entropy_vs_time.svg",
            "likelihood_vs_tokens.svg",
            "loss_vs_mask_rate.svg",
        ],
        &["ar_vs_diffusion.csv", "likelihood.csv", "generation.csv"],
    );
    // One denoising animation per compared masked LM, or per policy of the samplers.
    for dir in [
        "bert-vs-diffusion-tiny",
        "pretrained-init-tiny",
        "schedules-tiny",
        "ar-vs-diffusion-tiny",
    ] {
        let dir = out.join(dir);
        let models = csv_rows(&dir, "summary.csv").len();
        check_denoising_figures(&dir, models);
    }
    let samplers = out.join("samplers-tiny");
    let mut policies: Vec<String> = csv_rows(&samplers, "samplers.csv")
        .iter()
        .map(|row| row.split(',').next().unwrap().to_string())
        .collect();
    policies.dedup();
    check_denoising_figures(&samplers, policies.len());
    // The block cache rows: the policy the cache serves (`prob`; `seed` is refused) without a
    // cache, with the prefix cache and with the dual cache.
    let caches: Vec<String> = csv_rows(&samplers, "samplers_cache.csv")
        .iter()
        .map(|row| row.split(',').take(2).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(caches, ["prob,none", "prob,prefix", "prob,dual"]);
    // Real held-out text and its shuffled-words control are the last rows of every
    // generation table, each with a known-word share near 1 (its words are the corpus's own;
    // a few test-only words are not).
    for dir in [
        "bert-vs-diffusion-tiny",
        "pretrained-init-tiny",
        "ar-vs-diffusion-tiny",
    ] {
        let csv = std::fs::read_to_string(out.join(dir).join("generation.csv")).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        let (real, shuffled) = (lines[lines.len() - 2], lines[lines.len() - 1]);
        assert!(real.starts_with("real held-out text"), "{real}");
        assert!(
            shuffled.starts_with("\"real text, words shuffled"),
            "{shuffled}"
        );
        for row in [real, shuffled] {
            let known: f64 = row.rsplit(',').nth(3).unwrap().parse().unwrap();
            assert!(known > 0.8, "{row}");
        }
    }
    // The likelihood curve: the causal model and both masked models at each snapshot
    // (tiny trains 3 steps, too few for snapshots: the final weights only).
    let likelihood =
        std::fs::read_to_string(out.join("ar-vs-diffusion-tiny/likelihood.csv")).unwrap();
    for model in ["AR (causal ModernBERT)", "linear", "fixed:0.15"] {
        assert!(
            likelihood.lines().any(|l| l.starts_with(model)),
            "{model} missing from {likelihood}"
        );
    }
    let csv =
        std::fs::read_to_string(out.join("bert-vs-diffusion-tiny/loss_vs_mask_rate.csv")).unwrap();
    assert!(csv.lines().next().unwrap().contains("std error"), "{csv}");

    // The three bert-vs-diffusion models are trained once and reused by `schedules`.
    let models = out.join("tiny").join("models");
    let trained: Vec<String> = std::fs::read_dir(&models)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for key in [
        "scratch-fixed_0.15",
        "scratch-levels_10",
        "scratch-linear",
        "scratch-fixed_0.15-then-linear",
        "pretrained-fixed_0.15",
        "pretrained-linear",
        "pretrained-fixed_0.15-then-linear",
        "scratch-causal",
        "evaluator-causal",
    ] {
        assert!(
            trained.contains(&key.to_string()),
            "{key} missing from {trained:?}"
        );
        assert!(models.join(key).join("final").join("config.json").is_file());
    }

    // A second run reuses every model: nothing is retrained, the reports are rewritten.
    let before = std::fs::metadata(models.join("scratch-linear/final/model.safetensors"))
        .unwrap()
        .modified()
        .unwrap();
    let again = RunExperiments {
        names: vec!["samplers".into()],
        preset: tiny_preset(tmp.path()),
        out: out.clone(),
        command: "again".into(),
        device_label: "cpu".into(),
    };
    run_on(DeviceSpec::Cpu, again).unwrap();
    let after = std::fs::metadata(models.join("scratch-linear/final/model.safetensors"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after, "the trained model was retrained");
}

#[test]
fn bad_presets_and_names_are_clear_errors() {
    let err = RunExperiments::names("bert-vs-gpt", &Preset::load("tiny").unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("unknown experiment") && err.contains("samplers"),
        "{err}"
    );
    let err = Preset::load("no-such-preset").unwrap_err().to_string();
    assert!(err.contains("cpu-small"), "{err}");
    let text = include_str!("../presets/tiny.toml").replace("gen_len = 8", "gen_len = 80");
    let err = format!("{:#}", Preset::parse(&text, "edited").unwrap_err());
    assert!(err.contains("block_len"), "{err}");
    let text = include_str!("../presets/tiny.toml").replace("seed = 0", "sead = 0");
    let err = format!("{:#}", Preset::parse(&text, "typo").unwrap_err());
    assert!(err.contains("sead"), "{err}");
    let text = include_str!("../presets/tiny.toml").replace(
        "name = \"tiny\"",
        "name = \"tiny\"\nexperiments = [\"samplers\", \"bert-vs-gpt\"]",
    );
    let err = format!("{:#}", Preset::parse(&text, "names").unwrap_err());
    assert!(err.contains("bert-vs-gpt"), "{err}");
}

#[test]
fn all_runs_the_presets_experiments() {
    let small = Preset::load("cpu-small").unwrap();
    let names = RunExperiments::names("all", &small).unwrap();
    assert_eq!(names, small.experiments);
    assert!(names.contains(&"bert-vs-diffusion".to_string()));
    let full = Preset::load("cpu-full").unwrap();
    assert_eq!(
        RunExperiments::names("all", &full).unwrap().len(),
        EXPERIMENTS.len()
    );
}

#[test]
fn every_builtin_preset_parses() {
    for name in ["tiny", "cpu-small", "cpu-full", "seed", "seed-modernbert"] {
        Preset::load(name).unwrap_or_else(|e| panic!("{name}: {e:#}"));
    }
}
