//! Checkpoint loading and saving: name variants, every error path, and the save/load round
//! trip (the fixture script's `--roundtrip` checks that transformers loads what we save).

mod common;

use std::path::{Path, PathBuf};

use common::*;
use unmask_gpt2::checkpoint::to_tensors;
use unmask_gpt2::{Gpt2Config, Gpt2Error, Gpt2LmHead, load_gpt2, save_gpt2};
use unmask_nn::ModelError;
use unmask_nn::tensor_file::{RawTensor, TensorMap, read_tensors, write_safetensors};

fn tiny_tensors() -> TensorMap {
    read_tensors(&fixture("tiny-gpt2/model.safetensors")).unwrap()
}

/// A model directory with tiny-gpt2's config and `tensors` as weights.
fn variant(tmp: &Path, tensors: &TensorMap) -> PathBuf {
    let dir = tmp.join("model");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture("tiny-gpt2/config.json"), dir.join("config.json")).unwrap();
    write_safetensors(&dir.join("model.safetensors"), tensors).unwrap();
    dir
}

fn load(path: &Path) -> Result<Gpt2LmHead<B>, Gpt2Error> {
    load_gpt2::<B>(path, &Default::default()).map(|(m, _)| m)
}

fn logits(model: &Gpt2LmHead<B>) -> Vec<f32> {
    let vocab = model.config().vocab_size as u32;
    let ids: Vec<u32> = [0, 45, 67, 89, 299, 2]
        .iter()
        .map(|id| id % vocab)
        .collect();
    values(model.forward(ids_tensor(&ids, 1)))
}

#[test]
fn original_gpt2_names_without_prefix_and_with_mask_buffers_load_the_same_model() {
    let tmp = tempfile::tempdir().unwrap();
    let mut tensors: TensorMap = tiny_tensors()
        .into_iter()
        .map(|(k, v)| (k.strip_prefix("transformer.").unwrap().to_string(), v))
        .collect();
    // The original `gpt2` file stores the causal mask buffers; they are not parameters.
    let mask = RawTensor {
        shape: vec![1, 1, 64, 64],
        data: vec![1.0; 64 * 64],
    };
    tensors.insert("h.0.attn.bias".into(), mask.clone());
    tensors.insert(
        "h.1.attn.masked_bias".into(),
        RawTensor {
            shape: vec![],
            data: vec![-1e4],
        },
    );
    let dir = variant(tmp.path(), &tensors);
    let (model, report) = load_gpt2::<B>(&dir, &Default::default()).unwrap();
    assert_eq!(
        report.ignored,
        vec!["h.0.attn.bias", "h.1.attn.masked_bias"]
    );
    assert!(!report.checked_tied_lm_head);
    assert_eq!(logits(&model), logits(&tiny()));
}

#[test]
fn a_weights_file_or_config_path_loads_like_its_directory() {
    let want = logits(&tiny());
    for path in [
        "tiny-gpt2/model.safetensors",
        "tiny-gpt2/config.json",
        "tiny-gpt2-bin/pytorch_model.bin",
    ] {
        let (model, report) = load_gpt2::<B>(fixture(path), &Default::default()).unwrap();
        assert!(report.weights.is_file());
        let d = max_abs_diff(&logits(&model), &want);
        assert!(d <= 1e-6, "{path}: {d}");
    }
}

#[test]
fn save_then_load_is_exact() {
    let tmp = tempfile::tempdir().unwrap();
    for model in [tiny(), random_model(77)] {
        let dir = tmp
            .path()
            .join(format!("saved-{}", model.config().vocab_size));
        save_gpt2(&model, model.config(), &dir).unwrap();
        assert!(!dir.join("model.safetensors.tmp").exists());
        let names: Vec<String> = read_tensors(&dir.join("model.safetensors"))
            .unwrap()
            .into_keys()
            .collect();
        assert!(
            names.iter().all(|n| n.starts_with("transformer.")),
            "{names:?}"
        );
        assert!(!names.iter().any(|n| n == "lm_head.weight"));
        let reloaded = load(&dir).unwrap();
        assert_eq!(reloaded.config().to_hf_json(), model.config().to_hf_json());
        let (a, b) = (to_tensors(&model).unwrap(), to_tensors(&reloaded).unwrap());
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
        for (name, t) in &a {
            assert_eq!(t.data, b[name].data, "{name}");
        }
        assert_eq!(logits(&model), logits(&reloaded));
    }
}

#[test]
fn saved_config_keeps_unknown_keys_and_is_a_gpt2_lm_head_model() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tiny();
    save_gpt2(&model, model.config(), tmp.path()).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("config.json")).unwrap())
            .unwrap();
    assert_eq!(
        json["architectures"],
        serde_json::json!(["GPT2LMHeadModel"])
    );
    assert_eq!(json["model_type"], "gpt2");
    assert_eq!(json["n_inner"], serde_json::Value::Null);
    // Keys transformers wrote that unmask does not use survive the round trip.
    assert_eq!(json["summary_type"], "cls_index");
    assert_eq!(json["transformers_version"], "5.24.0");
}

#[test]
fn saving_with_a_config_of_other_shapes_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tiny();
    let mut config = model.config().clone();
    config.n_layer = 3;
    let err = save_gpt2(&model, &config, tmp.path()).unwrap_err();
    assert!(err.to_string().contains("model.config()"), "{err}");
    // Non-shape fields may differ.
    config.n_layer = 2;
    config.resid_pdrop = 0.0;
    save_gpt2(&model, &config, tmp.path()).unwrap();
    assert_eq!(load(tmp.path()).unwrap().config().resid_pdrop, 0.0);
}

#[test]
fn missing_paths_and_files_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let err = load(&tmp.path().join("nope")).unwrap_err();
    assert!(
        matches!(err, Gpt2Error::Model(ModelError::Io { .. })),
        "{err}"
    );
    assert!(err.to_string().contains("nope"), "{err}");
    let err = load(tmp.path()).unwrap_err();
    assert!(err.to_string().contains("model.safetensors"), "{err}");
    // Weights without config.json.
    write_safetensors(&tmp.path().join("model.safetensors"), &tiny_tensors()).unwrap();
    let err = load(tmp.path()).unwrap_err();
    assert!(err.to_string().contains("config.json"), "{err}");
    // A file that is not safetensors.
    std::fs::copy(
        fixture("tiny-gpt2/config.json"),
        tmp.path().join("config.json"),
    )
    .unwrap();
    std::fs::write(tmp.path().join("model.safetensors"), b"not a checkpoint").unwrap();
    let err = load(tmp.path()).unwrap_err();
    assert!(err.to_string().contains("model.safetensors"), "{err}");
}

#[test]
fn a_missing_tensor_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let mut tensors = tiny_tensors();
    tensors.remove("transformer.h.1.mlp.c_fc.bias");
    let err = load(&variant(tmp.path(), &tensors)).unwrap_err();
    assert!(
        matches!(&err, Gpt2Error::Model(ModelError::MissingTensor { name, shape }) if name == "transformer.h.1.mlp.c_fc.bias" && shape == &[256]),
        "{err}"
    );
}

#[test]
fn a_mis_shaped_tensor_is_named_with_both_shapes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut tensors = tiny_tensors();
    // An nn.Linear-style [out, in] weight instead of Conv1D's [in, out].
    let t = tensors
        .get_mut("transformer.h.0.attn.c_attn.weight")
        .unwrap();
    t.shape = vec![192, 64];
    let err = load(&variant(tmp.path(), &tensors)).unwrap_err();
    assert!(
        matches!(&err, Gpt2Error::Model(ModelError::ShapeMismatch { name, expected, found })
            if name == "transformer.h.0.attn.c_attn.weight" && expected == &[64, 192] && found == &[192, 64]),
        "{err}"
    );
}

#[test]
fn an_untied_lm_head_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let mut tensors = tiny_tensors();
    let mut head = tensors["transformer.wte.weight"].clone();
    head.data[7] += 0.5;
    tensors.insert("lm_head.weight".into(), head);
    let err = load(&variant(tmp.path(), &tensors)).unwrap_err();
    assert!(matches!(err, Gpt2Error::UntiedLmHead { .. }), "{err}");
    // An equal copy is accepted and reported.
    let mut tensors = tiny_tensors();
    tensors.insert(
        "lm_head.weight".into(),
        tensors["transformer.wte.weight"].clone(),
    );
    let (_, report) = load_gpt2::<B>(variant(tmp.path(), &tensors), &Default::default()).unwrap();
    assert!(report.checked_tied_lm_head);
}

#[test]
fn unexpected_tensors_are_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let mut tensors = tiny_tensors();
    tensors.insert(
        "score.weight".into(),
        RawTensor {
            shape: vec![2, 64],
            data: vec![0.0; 128],
        },
    );
    let err = load(&variant(tmp.path(), &tensors)).unwrap_err();
    assert!(err.to_string().contains("score.weight"), "{err}");
}

#[test]
fn bad_configs_are_errors_naming_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = variant(tmp.path(), &tiny_tensors());
    let original = std::fs::read_to_string(dir.join("config.json")).unwrap();
    for (from, to, needle) in [
        ("\"n_head\": 4", "\"n_head\": 5", "n_head"),
        (
            "\"model_type\": \"gpt2\"",
            "\"model_type\": \"bert\"",
            "model_type",
        ),
        (
            "\"activation_function\": \"gelu_new\"",
            "\"activation_function\": \"swish\"",
            "swish",
        ),
        (
            "\"tie_word_embeddings\": true",
            "\"tie_word_embeddings\": false",
            "tie_word_embeddings",
        ),
        ("\"n_embd\": 64", "\"n_embd\": 96", "wte.weight"),
    ] {
        assert!(original.contains(from), "fixture config lacks {from}");
        std::fs::write(dir.join("config.json"), original.replace(from, to)).unwrap();
        let err = load(&dir).unwrap_err();
        assert!(err.to_string().contains(needle), "{to}: {err}");
    }
    std::fs::write(dir.join("config.json"), "{ not json").unwrap();
    let err = load(&dir).unwrap_err();
    assert!(
        matches!(err, Gpt2Error::Model(ModelError::Config(_)))
            && err.to_string().contains("config.json"),
        "{err}"
    );
}

#[test]
fn configs_parse_like_transformers() {
    let config =
        Gpt2Config::from_json(r#"{"n_embd": 96, "n_head": 3, "n_inner": null, "n_ctx": 1024}"#)
            .unwrap();
    assert_eq!(config.inner_dim(), 384);
    assert_eq!(config.head_dim(), 32);
    assert_eq!(config.vocab_size, 50257);
    assert_eq!(config.extra["n_ctx"], 1024);
    let small = Gpt2Config::small(300);
    assert_eq!(
        (small.bos_token_id, small.eos_token_id),
        (Some(299), Some(299))
    );
    small.validate().unwrap();
    let err = Gpt2Config {
        n_embd: 65,
        ..small.clone()
    }
    .validate()
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("n_embd 65 is not a multiple of n_head 4"),
        "{err}"
    );
    let err = Gpt2Config {
        eos_token_id: Some(300),
        ..small.clone()
    }
    .validate()
    .unwrap_err();
    assert!(err.to_string().contains("eos_token_id"), "{err}");
    assert!(
        Gpt2Config {
            n_embd: 65,
            ..small
        }
        .init::<B>(&Default::default())
        .is_err()
    );
    let tanh = Gpt2Config::from_json(r#"{"activation_function": "gelu_pytorch_tanh"}"#).unwrap();
    assert_eq!(
        tanh.activation_function,
        unmask_nn::ActivationKind::GeluTanh
    );
}

#[test]
fn random_init_follows_gpt2() {
    let mut config = Gpt2Config::small(500);
    config.n_layer = 8;
    config.n_embd = 128;
    let model = config.init::<B>(&Default::default()).unwrap();
    let std_of = |t: burn::tensor::Tensor<B, 2>| {
        let v = values(t);
        let mean = v.iter().sum::<f32>() / v.len() as f32;
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / v.len() as f32).sqrt()
    };
    let wte = std_of(model.wte.weight.val());
    let c_fc = std_of(model.blocks[0].mlp.c_fc.weight.val());
    let c_proj = std_of(model.blocks[0].mlp.c_proj.weight.val());
    assert!((wte - 0.02).abs() < 0.001, "{wte}");
    assert!((c_fc - 0.02).abs() < 0.001, "{c_fc}");
    let want = 0.02 / 16f32.sqrt();
    assert!((c_proj - want).abs() < 0.0005, "{c_proj} vs {want}");
    assert!(
        values(model.blocks[0].attn.c_attn.bias.as_ref().unwrap().val())
            .iter()
            .all(|&b| b == 0.0)
    );
    assert!(values(model.ln_f.gamma.val()).iter().all(|&g| g == 1.0));
}
