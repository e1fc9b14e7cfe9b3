//! The `seed-modernbert` preset (the seed's experiment on `answerdotai/ModernBERT-base`,
//! fine-tuned on WikiText-2 raw from the Hub's Parquet export, `fixed:0.15` against `linear`)
//! at tiny size on wgpu: the `experiments` binary runs `bert-vs-diffusion --device wgpu` on the
//! built-in preset shrunk to seconds of work, against a Hub stand-in on 127.0.0.1 that serves
//! the tiny ModernBERT fixture under the preset's model id and a WikiText-shaped Parquet export
//! of real text (State of the Union addresses). Only the sizes change: model id, corpus,
//! schedules and initialisation are the built-in preset's.
//!
//! Built with the experiments crate's `wgpu` feature only (CI: over Mesa's lavapipe,
//! docs/gpu.md):
//! `cargo test -p experiments --features wgpu --test seed_modernbert_gpu`. Needs the corpus
//! (`bash datasets/fetch-test-data.sh`).
#![cfg(feature = "wgpu")]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use experiments::Preset;
use parquet::data_type::{ByteArray, ByteArrayType};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use unmask_hub::{HubRepoKind, PARQUET_REVISION};
use unmask_test_data::hub_stand_in::{FakeRepo, StandInHub};

const MODEL_ID: &str = "answerdotai/ModernBERT-base";
const MODEL_COMMIT: &str = "8949b909ec900327062f0ebf497f51aef5e6f0c8";
const DATASET_ID: &str = "Salesforce/wikitext";
const DATASET_CONFIG: &str = "wikitext-2-raw-v1";
const DATASET_COMMIT: &str = "b08601e04326c79dfdd32d625aee71d232d685c3";

/// The tiny ModernBERT (`crates/unmask-modernbert/tests/fixtures/tiny-modernbert`): 5 layers,
/// hidden 32, a 400-token byte-level BPE; sizes no from-scratch model of the test has.
fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/unmask-modernbert/tests/fixtures/tiny-modernbert")
}

/// The fixture as the Hub's `answerdotai/ModernBERT-base` at `main`: its config, weights and
/// tokenizer files (not the parity test's expected outputs).
fn model_repo() -> FakeRepo {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            path.is_file() && !name.starts_with("expected")
        })
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    files.sort();
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    for needed in ["config.json", "model.safetensors", "tokenizer.json"] {
        assert!(names.contains(&needed), "the fixture has no {needed}");
    }
    let files: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .collect();
    FakeRepo::new(HubRepoKind::Model, MODEL_ID, "main", MODEL_COMMIT, &files)
}

/// Rows the way WikiText-2 raw stores them, one line per row: a ` = Title = ` heading, blank
/// rows between paragraphs, a leading space and a `\n` end. Each address becomes an article,
/// every four sentences a paragraph.
fn wikitext_rows(addresses: &[PathBuf]) -> Vec<String> {
    let mut rows = Vec::new();
    for address in addresses {
        let title = address
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .replace('_', " ");
        rows.extend([String::new(), format!(" = {title} = \n"), String::new()]);
        let text = std::fs::read_to_string(address).unwrap();
        let sentences: Vec<&str> = text.split_inclusive(". ").map(str::trim).collect();
        for paragraph in sentences.chunks(4) {
            rows.push(format!(" {} \n", paragraph.join(" ")));
            rows.push(String::new());
        }
    }
    rows
}

/// A Parquet file with one nullable string column `text`, the schema of the Hub's export.
fn parquet_bytes(rows: &[String]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("0000.parquet");
    let schema = Arc::new(
        parse_message_type("message schema { OPTIONAL BYTE_ARRAY text (STRING); }").unwrap(),
    );
    let mut writer =
        SerializedFileWriter::new(File::create(&path).unwrap(), schema, Default::default())
            .unwrap();
    let mut row_group = writer.next_row_group().unwrap();
    let mut column = row_group.next_column().unwrap().unwrap();
    let values: Vec<ByteArray> = rows
        .iter()
        .map(|row| ByteArray::from(row.as_str()))
        .collect();
    column
        .typed::<ByteArrayType>()
        .write_batch(&values, Some(&vec![1i16; rows.len()]), None)
        .unwrap();
    column.close().unwrap();
    row_group.close().unwrap();
    writer.close().unwrap();
    std::fs::read(&path).unwrap()
}

/// `Salesforce/wikitext` on `refs/convert/parquet`, config `wikitext-2-raw-v1`: six addresses
/// to train on, one for validation (the held-out split of a Hub corpus), one for test.
fn wikitext_export() -> FakeRepo {
    let mut addresses: Vec<PathBuf> = std::fs::read_dir(unmask_test_data::sotu_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "txt"))
        .collect();
    addresses.sort();
    assert!(addresses.len() >= 8, "{} addresses", addresses.len());
    let shard = |split: &str| format!("{DATASET_CONFIG}/{split}/0000.parquet");
    let (train, validation, test) = (
        parquet_bytes(&wikitext_rows(&addresses[..6])),
        parquet_bytes(&wikitext_rows(&addresses[6..7])),
        parquet_bytes(&wikitext_rows(&addresses[7..8])),
    );
    FakeRepo::new(
        HubRepoKind::Dataset,
        DATASET_ID,
        PARQUET_REVISION,
        DATASET_COMMIT,
        &[
            (&shard("test"), &test),
            (&shard("train"), &train),
            (&shard("validation"), &validation),
        ],
    )
}

/// The built-in `seed-modernbert` at tiny size: what it fine-tunes (model id), on what
/// (corpus), how (`model.init`, learning rates, schedules, mask rates, the sampler) stays; steps,
/// batch, block and generation lengths, evaluation counts and the from-scratch evaluator's
/// sizes shrink.
fn tiny_seed_modernbert() -> Preset {
    let built_in = Preset::load("seed-modernbert").unwrap();
    // The stand-in serves what the preset asks for.
    assert_eq!(built_in.pretrained.source, MODEL_ID);
    assert_eq!(built_in.corpus, format!("hf:{DATASET_ID}/{DATASET_CONFIG}"));
    assert_eq!(built_in.model.init, "pretrained");
    for schedule in ["fixed:0.15", "linear"] {
        assert!(
            built_in.eval.central.iter().any(|s| s == schedule),
            "{schedule} not in {:?}",
            built_in.eval.central
        );
    }

    let mut preset = built_in;
    preset.name = "seed-modernbert-tiny".into();
    preset.experiments = vec!["bert-vs-diffusion".into()];
    let model = &mut preset.model;
    (model.hidden_size, model.num_layers, model.num_heads) = (32, 2, 2);
    (model.intermediate_size, model.vocab_size) = (64, 300);
    (preset.data.block_len, preset.data.prompt_len) = (32, 4);
    let train = &mut preset.train;
    (train.steps, train.batch_size, train.warmup_steps) = (3, 2, 1);
    (train.eval_every, train.eval_batches, train.curriculum_steps) = (0, 1, 2);
    preset.evaluator.steps = 3;
    let eval = &mut preset.eval;
    (eval.sequences, eval.quadrature_nodes) = (3, 2);
    (eval.prompts, eval.prompt_words, eval.gen_len, eval.steps) = (2, 3, 8, 4);
    eval.step_counts = vec![2, 8];
    preset.validate().unwrap();
    preset
}

/// A number in `results.json` (a NaN or infinity is written as `null` there).
fn finite(value: &serde_json::Value, what: &str) -> f64 {
    let number = value
        .as_f64()
        .unwrap_or_else(|| panic!("{what} is not a number: {value}"));
    assert!(number.is_finite(), "{what} = {number}");
    number
}

#[test]
fn seed_modernbert_runs_at_tiny_size_on_wgpu() {
    let tmp = tempfile::tempdir().unwrap();
    let hub = StandInHub::start(vec![model_repo(), wikitext_export()]).unwrap();
    let preset = tiny_seed_modernbert();
    let preset_file = tmp.path().join("seed-modernbert-tiny.toml");
    std::fs::write(&preset_file, toml::to_string(&preset).unwrap()).unwrap();
    assert_eq!(
        Preset::load(preset_file.to_str().unwrap()).unwrap(),
        preset,
        "the shrunken preset reads back as written"
    );

    // The binary, as a user runs it: the Hub client reads HF_ENDPOINT and the cache variables
    // (setting them in this process would race other tests' threads).
    let hub_cache = tmp.path().join("hf/hub");
    let out = tmp.path().join("runs");
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_experiments"))
        .arg("bert-vs-diffusion")
        .arg("--preset")
        .arg(&preset_file)
        .args(["--device", "wgpu", "--out"])
        .arg(&out)
        .env("HF_ENDPOINT", hub.endpoint())
        .env("HF_HOME", tmp.path().join("hf"))
        .env("HF_HUB_CACHE", &hub_cache)
        .env("UNMASK_CACHE", tmp.path().join("unmask-cache"))
        .env_remove("HF_HUB_OFFLINE")
        .env_remove("HF_TOKEN")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "experiments failed ({}):\n{stderr}",
        output.status
    );
    eprintln!("{stderr}");
    eprintln!(
        "bert-vs-diffusion on the tiny seed-modernbert, --device wgpu: {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The model and the corpus came from the stand-in, and nothing else was asked of it.
    let requests = hub.requests();
    let model_files = format!("/{MODEL_ID}/resolve/");
    for file in ["config.json", "model.safetensors", "tokenizer.json"] {
        assert!(
            requests
                .iter()
                .any(|path| path.starts_with(&model_files) && path.ends_with(&format!("/{file}"))),
            "the stand-in was not asked for {MODEL_ID}'s {file}: {requests:?}"
        );
    }
    for split in ["train", "validation"] {
        let shard = format!("/{DATASET_CONFIG}/{split}/0000.parquet");
        assert!(
            requests.iter().any(|path| path
                .starts_with(&format!("/datasets/{DATASET_ID}/resolve/"))
                && path.ends_with(&shard)),
            "the stand-in was not asked for {shard}: {requests:?}"
        );
    }
    let snapshot = hub_cache
        .join("models--answerdotai--ModernBERT-base/snapshots")
        .join(MODEL_COMMIT);
    assert!(snapshot.join("model.safetensors").is_file());

    // Both models are fine-tuned from it: the fixture's shape (5 layers, 400 tokens), not the
    // preset's from-scratch sizes (2 layers, 300 tokens).
    let models = out.join(&preset.name).join("models");
    for key in ["pretrained-fixed_0.15", "pretrained-linear"] {
        let config = std::fs::read_to_string(models.join(key).join("config.toml")).unwrap();
        assert!(
            config.contains(&snapshot.display().to_string()),
            "{key} does not start from the stand-in's snapshot:\n{config}"
        );
        let final_config: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(models.join(key).join("final/config.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(final_config["model_type"], "modernbert", "{key}");
        assert_eq!(final_config["num_hidden_layers"], 5, "{key}");
        assert_eq!(final_config["vocab_size"], 400, "{key}");
    }

    // The report: run on wgpu, with a row for each compared model and finite numbers.
    let dir = out.join(format!("bert-vs-diffusion-{}", preset.name));
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains(&dir.join("report.md").display().to_string()),
        "the binary names its report"
    );
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(report.contains("--device wgpu"), "{report}");
    assert!(report.contains("Device: wgpu."), "{report}");
    let svg = std::fs::read_to_string(dir.join("loss_vs_mask_rate.svg")).unwrap();
    let summary = unmask_report::check_svg(&svg).unwrap();
    assert!(summary.count("polyline") + summary.count("circle") > 0);

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).unwrap()).unwrap();
    let results = json["results"].as_array().unwrap();
    let labels: Vec<&str> = results
        .iter()
        .map(|r| r["model"]["label"].as_str().unwrap())
        .collect();
    for label in ["fixed:0.15, pretrained init", "linear, pretrained init"] {
        assert!(labels.contains(&label), "{label} missing from {labels:?}");
    }
    let summary_rows = std::fs::read_to_string(dir.join("summary.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert_eq!(summary_rows, results.len(), "summary.csv rows");
    for result in results {
        let label = result["model"]["label"].as_str().unwrap();
        assert!(
            result["model"]["parameters"].as_u64().unwrap() > 0,
            "{label}"
        );
        let scores = &result["scores"];
        let nll = finite(&scores["bound"]["nll_per_token"], "bound nll/token");
        assert!(nll > 0.0, "{label}: bound {nll}");
        finite(&scores["bound"]["perplexity"], "bound perplexity");
        finite(&scores["nll_per_word"], "bound nll/word");
        let rates = scores["rate_losses"].as_array().unwrap();
        assert_eq!(rates.len(), preset.eval.mask_rates.len(), "{label}");
        for rate in rates {
            let loss = finite(
                &rate["mean_loss"],
                &format!("{label}: loss at {}", rate["rate"]),
            );
            assert!(loss > 0.0, "{label}: loss {loss}");
        }
        for setting in ["prompted", "unprompted", "seed_loop"] {
            finite(
                &result[setting]["gen_ppl"]["perplexity"],
                &format!("{label}: {setting} gen ppl"),
            );
        }
    }
}
