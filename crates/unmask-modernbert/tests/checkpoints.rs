//! Saving and loading through the one parameter walk, and the errors bad configs and
//! checkpoints give.

use std::path::{Path, PathBuf};

use burn::backend::Flex;
use burn::tensor::{Int, Tensor, TensorData};
use unmask_modernbert::checkpoint::to_tensors;
use unmask_modernbert::{ModernBertConfig, load_modernbert, save_modernbert};
use unmask_nn::ModelError;
use unmask_nn::tensor_file::{read_tensors, write_safetensors};

type B = Flex;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn copy_fixture(name: &str, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(fixture(name)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn batch() -> Tensor<B, 2, Int> {
    let ids: Vec<i64> = (0..2 * 20).map(|i| 5 + (i * 37 % 290) as i64).collect();
    Tensor::from_data(TensorData::new(ids, [2, 20]), &Default::default())
}

fn max_diff(a: Tensor<B, 3>, b: Tensor<B, 3>) -> f32 {
    (a - b).abs().max().into_scalar()
}

#[test]
fn save_round_trip_keeps_every_tensor_and_the_logits() {
    let device = Default::default();
    let (model, _) = load_modernbert::<B>(&fixture("tiny-modernbert-v4"), &device).unwrap();
    let dir = match std::env::var_os("UNMASK_KEEP_DIR") {
        // For make_fixtures.py --roundtrip: transformers must load what unmask saves.
        Some(dir) => PathBuf::from(dir),
        None => tempfile::tempdir().unwrap().keep(),
    };
    save_modernbert(&model, &dir).unwrap();
    let original = read_tensors(&fixture("tiny-modernbert-v4").join("model.safetensors")).unwrap();
    let saved = read_tensors(&dir.join("model.safetensors")).unwrap();
    let names = |m: &unmask_nn::tensor_file::TensorMap| m.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&saved), names(&original));
    for (name, t) in &original {
        assert_eq!(saved[name].data, t.data, "{name}");
    }
    let (reloaded, report) = load_modernbert::<B>(&dir, &device).unwrap();
    assert_eq!(reloaded.config(), model.config());
    assert!(report.ignored.is_empty());
    assert_eq!(
        max_diff(
            model.forward(batch(), None),
            reloaded.forward(batch(), None)
        ),
        0.0
    );
}

#[test]
fn random_init_is_seeded_and_saves_loadably() {
    use burn::tensor::backend::Backend;
    let device = Default::default();
    let config = ModernBertConfig::small(300, 32, 2, 4, 64, 32);
    B::seed(&device, 3);
    let a = config.init::<B>(&device).unwrap();
    B::seed(&device, 3);
    let b = config.init::<B>(&device).unwrap();
    assert_eq!(
        max_diff(a.forward(batch(), None), b.forward(batch(), None)),
        0.0
    );
    let tensors = to_tensors(&a).unwrap();
    let wqkv = &tensors["model.layers.0.attn.Wqkv.weight"];
    assert_eq!(wqkv.shape, vec![96, 32]);
    let bound = 2.0 * config.initializer_range as f32 + 1e-6;
    assert!(
        wqkv.data.iter().all(|v| v.abs() <= bound),
        "truncated at 2 std"
    );
    let std = (wqkv.data.iter().map(|v| v * v).sum::<f32>() / wqkv.data.len() as f32).sqrt();
    assert!((0.014..0.02).contains(&std), "std {std}");
    assert!(!tensors.contains_key("model.layers.0.attn_norm.weight"));
    assert!(tensors.contains_key("model.layers.1.attn_norm.weight"));
    let dir = tempfile::tempdir().unwrap();
    save_modernbert(&a, dir.path()).unwrap();
    let (c, _) = load_modernbert::<B>(dir.path(), &device).unwrap();
    assert_eq!(
        max_diff(a.forward(batch(), None), c.forward(batch(), None)),
        0.0
    );
}

#[test]
fn a_bare_encoder_gets_a_fresh_head() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture("tiny-modernbert", dir.path());
    let path = dir.path().join("model.safetensors");
    let tensors = read_tensors(&path).unwrap();
    // A `ModernBertModel` checkpoint: no head, no `model.` prefix.
    let bare = tensors
        .into_iter()
        .filter(|(n, _)| n.starts_with("model."))
        .map(|(n, t)| (n["model.".len()..].to_string(), t))
        .collect();
    write_safetensors(&path, &bare).unwrap();
    let (model, report) = load_modernbert::<B>(dir.path(), &Default::default()).unwrap();
    assert!(report.fresh_head);
    assert_eq!(model.forward(batch(), None).dims(), [2, 20, 400]);
}

fn load_err(edit: impl FnOnce(&Path)) -> String {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture("tiny-modernbert", dir.path());
    edit(dir.path());
    match load_modernbert::<B>(dir.path(), &Default::default()) {
        Ok(_) => panic!("loaded"),
        Err(e) => e.to_string(),
    }
}

fn edit_config(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("config.json");
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut config);
    std::fs::write(path, config.to_string()).unwrap();
}

fn edit_tensors(dir: &Path, edit: impl FnOnce(&mut unmask_nn::tensor_file::TensorMap)) {
    let path = dir.join("model.safetensors");
    let mut tensors = read_tensors(&path).unwrap();
    edit(&mut tensors);
    write_safetensors(&path, &tensors).unwrap();
}

#[test]
fn bad_configs_and_checkpoints_name_the_problem() {
    let e = load_err(|d| edit_config(d, |c| c["layer_types"][1] = "chunked_attention".into()));
    assert!(
        e.contains("layer_types[1]") && e.contains("chunked_attention"),
        "{e}"
    );

    let e = load_err(|d| edit_config(d, |c| c["local_attention"] = 128.into()));
    assert!(
        e.contains("local_attention 128") && e.contains("max_position_embeddings"),
        "{e}"
    );

    let e = load_err(|d| {
        edit_config(d, |c| {
            c["num_attention_heads"] = 32.into();
        })
    });
    assert!(e.contains("head dimension 1") && e.contains("odd"), "{e}");
    let e = load_err(|d| edit_config(d, |c| c["hidden_size"] = 34.into()));
    assert!(e.contains("hidden_size 34 is not a multiple"), "{e}");

    let e = load_err(|d| edit_config(d, |c| c["global_rope_theta"] = 5000.0.into()));
    assert!(
        e.contains("global_rope_theta = 5000") && e.contains("contradicts"),
        "{e}"
    );

    let e = load_err(|d| edit_config(d, |c| c["model_type"] = "roberta".into()));
    assert!(e.contains("modernbert"), "{e}");

    let e = load_err(|d| {
        edit_tensors(d, |t| {
            t.remove("model.layers.2.attn.Wqkv.weight");
        })
    });
    assert!(e.contains("model.layers.2.attn.Wqkv.weight"), "{e}");

    let e = load_err(|d| {
        edit_tensors(d, |t| {
            let mut decoder = t["model.embeddings.tok_embeddings.weight"].clone();
            decoder.data[0] += 1.0;
            t.insert("decoder.weight".into(), decoder);
        })
    });
    assert!(e.contains("decoder.weight") && e.contains("tied"), "{e}");

    let e = load_err(|d| {
        edit_tensors(d, |t| {
            let extra = t["model.final_norm.weight"].clone();
            t.insert("model.layers.9.mlp_norm.weight".into(), extra);
        })
    });
    assert!(e.contains("model.layers.9.mlp_norm.weight"), "{e}");
}

#[test]
fn a_stored_tied_decoder_equal_to_the_embeddings_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture("tiny-modernbert", dir.path());
    edit_tensors(dir.path(), |t| {
        let decoder = t["model.embeddings.tok_embeddings.weight"].clone();
        t.insert("decoder.weight".into(), decoder);
    });
    load_modernbert::<B>(dir.path(), &Default::default()).unwrap();
}

#[test]
fn sequence_length_is_checked() {
    let config =
        ModernBertConfig::from_file(&fixture("tiny-modernbert").join("config.json")).unwrap();
    assert!(config.check_len(64).is_ok());
    let e = config.check_len(65).unwrap_err();
    assert!(
        matches!(e, ModelError::Config(_)) && e.to_string().contains("65"),
        "{e}"
    );
}
