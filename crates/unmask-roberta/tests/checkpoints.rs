//! Checkpoint loading and saving: name variants, every error path, and the save/load round
//! trip (the fixture script checks that transformers loads what unmask saves).

use std::path::{Path, PathBuf};

use burn::backend::Flex;
use burn::tensor::{Int, Tensor, TensorData};
use unmask_nn::ModelError;
use unmask_nn::tensor_file::{TensorMap, read_tensors, write_safetensors};
use unmask_roberta::{MaskedLm, load_masked_lm, save_masked_lm};

type B = Flex;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A copy of tiny-roberta's config with `tensors` as its weights.
fn variant(tmp: &Path, tensors: &TensorMap) -> PathBuf {
    let dir = tmp.join("model");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(fixture("tiny-roberta/config.json"), dir.join("config.json")).unwrap();
    write_safetensors(&dir.join("model.safetensors"), tensors).unwrap();
    dir
}

fn tiny_tensors() -> TensorMap {
    read_tensors(&fixture("tiny-roberta/model.safetensors")).unwrap()
}

fn load(dir: &Path) -> Result<MaskedLm<B>, ModelError> {
    load_masked_lm::<B>(dir, &Default::default()).map(|(m, _)| m)
}

fn logits(model: &MaskedLm<B>) -> Vec<f32> {
    let vocab = model.config().vocab_size as i64;
    let ids: Vec<i64> = [0i64, 45, 67, 89, vocab - 1, 2].to_vec();
    let ids = Tensor::<B, 2, Int>::from_data(TensorData::new(ids, [1, 6]), &Default::default());
    model
        .forward(ids, None, None)
        .into_data()
        .into_vec::<f32>()
        .unwrap()
}

#[test]
fn names_without_the_model_prefix_load_the_same_model() {
    let tmp = tempfile::tempdir().unwrap();
    let stripped: TensorMap = tiny_tensors()
        .into_iter()
        .map(|(k, v)| {
            (
                k.strip_prefix("roberta.").map(str::to_string).unwrap_or(k),
                v,
            )
        })
        .collect();
    let dir = variant(tmp.path(), &stripped);
    let want = logits(&load(&fixture("tiny-roberta")).unwrap());
    assert_eq!(logits(&load(&dir).unwrap()), want);
}

#[test]
fn missing_tensor_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut t = tiny_tensors();
    t.remove("roberta.encoder.layer.1.attention.self.key.weight")
        .unwrap();
    let err = load(&variant(tmp.path(), &t)).unwrap_err();
    assert!(matches!(err, ModelError::MissingTensor { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("roberta.encoder.layer.1.attention.self.key.weight"),
        "{err}"
    );
}

#[test]
fn unexpected_tensor_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut t = tiny_tensors();
    let extra = t["lm_head.bias"].clone();
    t.insert("roberta.encoder.layer.9.surprise".into(), extra);
    let err = load(&variant(tmp.path(), &t)).unwrap_err();
    assert!(
        err.to_string().contains("roberta.encoder.layer.9.surprise"),
        "{err}"
    );
}

#[test]
fn shape_mismatch_is_an_error_naming_the_tensor_and_shapes() {
    let tmp = tempfile::tempdir().unwrap();
    let mut t = tiny_tensors();
    let bias = t
        .get_mut("roberta.encoder.layer.0.output.dense.bias")
        .unwrap();
    bias.data.push(0.0);
    bias.shape = vec![bias.data.len()];
    let err = load(&variant(tmp.path(), &t)).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("roberta.encoder.layer.0.output.dense.bias")
            && msg.contains("97")
            && msg.contains("96"),
        "{msg}"
    );
}

#[test]
fn untied_decoder_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut t = tiny_tensors();
    let mut decoder = t["roberta.embeddings.word_embeddings.weight"].clone();
    decoder.data[0] += 1.0;
    t.insert("lm_head.decoder.weight".into(), decoder);
    let err = load(&variant(tmp.path(), &t)).unwrap_err();
    assert!(err.to_string().contains("lm_head.decoder.weight"), "{err}");
}

#[test]
fn tied_decoder_copy_is_accepted_and_ignored() {
    let tmp = tempfile::tempdir().unwrap();
    let mut t = tiny_tensors();
    let decoder = t["roberta.embeddings.word_embeddings.weight"].clone();
    t.insert("lm_head.decoder.weight".into(), decoder);
    let (_, report) = load_masked_lm::<B>(&variant(tmp.path(), &t), &Default::default()).unwrap();
    assert!(
        report
            .ignored
            .contains(&"lm_head.decoder.weight".to_string())
    );
}

#[test]
fn encoder_only_checkpoint_gets_a_fresh_head_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let t: TensorMap = tiny_tensors()
        .into_iter()
        .filter(|(k, _)| !k.starts_with("lm_head."))
        .collect();
    let (_, report) = load_masked_lm::<B>(&variant(tmp.path(), &t), &Default::default()).unwrap();
    assert!(report.fresh_head);
}

#[test]
fn partial_head_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let mut t = tiny_tensors();
    t.remove("lm_head.layer_norm.weight").unwrap();
    let err = load(&variant(tmp.path(), &t)).unwrap_err();
    assert!(
        err.to_string().contains("lm_head.layer_norm.weight"),
        "{err}"
    );
}

#[test]
fn missing_weights_and_directories_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let err = load(&tmp.path().join("nope")).unwrap_err();
    assert!(err.to_string().contains("no such model directory"), "{err}");
    std::fs::copy(
        fixture("tiny-roberta/config.json"),
        tmp.path().join("config.json"),
    )
    .unwrap();
    let err = load(tmp.path()).unwrap_err();
    assert!(
        err.to_string()
            .contains("model.safetensors or pytorch_model.bin"),
        "{err}"
    );
}

#[test]
fn corrupt_weights_and_configs_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("tiny-roberta/config.json"),
        tmp.path().join("config.json"),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("model.safetensors"),
        b"not a safetensors file",
    )
    .unwrap();
    let err = load(tmp.path()).unwrap_err();
    assert!(matches!(err, ModelError::Checkpoint { .. }), "{err}");

    std::fs::write(
        tmp.path().join("config.json"),
        r#"{"model_type": "gpt2", "vocab_size": 10}"#,
    )
    .unwrap();
    let err = load(tmp.path()).unwrap_err();
    assert!(err.to_string().contains("config.json"), "{err}");

    let mut config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("tiny-roberta/config.json")).unwrap(),
    )
    .unwrap();
    config["num_attention_heads"] = 7.into();
    std::fs::write(tmp.path().join("config.json"), config.to_string()).unwrap();
    let err = load(tmp.path()).unwrap_err();
    assert!(err.to_string().contains("num_attention_heads"), "{err}");
}

#[test]
fn save_then_load_gives_the_same_logits_and_leaves_no_temp_files() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["tiny-roberta", "tiny-bert"] {
        let model = load(&fixture(name)).unwrap();
        let out = tmp.path().join(name);
        save_masked_lm(&model, &out).unwrap();
        let reloaded = load(&out).unwrap();
        assert_eq!(logits(&reloaded), logits(&model), "{name}");
        let names: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
        // The saved file uses transformers' names with the model prefix.
        let saved = read_tensors(&out.join("model.safetensors")).unwrap();
        let original = read_tensors(&fixture(name).join("model.safetensors")).unwrap();
        let keys = |m: &TensorMap| m.keys().cloned().collect::<Vec<_>>();
        assert_eq!(
            keys(&saved),
            keys(&original),
            "{name}: same tensor names as transformers' own save"
        );
    }
}
