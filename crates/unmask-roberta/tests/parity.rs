//! Logit parity with Hugging Face transformers on the tiny random checkpoints written by
//! `fixtures/make_fixtures.py` (committed; no Python needed to run these tests).

use std::path::{Path, PathBuf};

use burn::backend::Flex;
use burn::tensor::{Int, Tensor, TensorData};
use unmask_nn::tensor_file::{RawTensor, read_tensors};
use unmask_roberta::{MaskedLm, load_masked_lm};

type B = Flex;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn expected(name: &str) -> std::collections::BTreeMap<String, RawTensor> {
    read_tensors(&fixture(name).join("expected.safetensors")).expect("expected.safetensors")
}

fn ids(t: &RawTensor) -> Tensor<B, 2, Int> {
    let data: Vec<i64> = t.data.iter().map(|&v| v as i64).collect();
    Tensor::from_data(
        TensorData::new(data, [t.shape[0], t.shape[1]]),
        &Default::default(),
    )
}

fn max_abs_diff(got: Vec<f32>, want: &RawTensor) -> f32 {
    assert_eq!(got.len(), want.data.len());
    got.iter()
        .zip(&want.data)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max)
}

fn logits_of(
    model: &MaskedLm<B>,
    exp: &std::collections::BTreeMap<String, RawTensor>,
) -> (Vec<f32>, Vec<f32>) {
    let input_ids = ids(&exp["input_ids"]);
    let mask = ids(&exp["attention_mask"]);
    let types = ids(&exp["token_type_ids"]);
    let hidden = model.encode(input_ids.clone(), Some(mask.clone()), Some(types.clone()));
    let logits = model.forward(input_ids, Some(mask), Some(types));
    (
        hidden.into_data().into_vec::<f32>().unwrap(),
        logits.into_data().into_vec::<f32>().unwrap(),
    )
}

fn check_parity(dir: &str, expected_dir: &str) {
    let device = Default::default();
    let (model, report) = load_masked_lm::<B>(&fixture(dir), &device).expect("load");
    assert!(!report.fresh_head);
    let exp = expected(expected_dir);
    let (hidden, logits) = logits_of(&model, &exp);
    let dh = max_abs_diff(hidden, &exp["hidden_states"]);
    let dl = max_abs_diff(logits, &exp["logits"]);
    eprintln!("{dir}: max abs diff hidden {dh:e}, logits {dl:e}");
    assert!(dh < 1e-4, "{dir}: hidden states differ by {dh}");
    assert!(dl < 1e-4, "{dir}: logits differ by {dl}");
}

#[test]
fn roberta_logits_match_transformers_with_left_and_right_padding() {
    check_parity("tiny-roberta", "tiny-roberta");
}

#[test]
fn bert_logits_match_transformers_with_token_types() {
    check_parity("tiny-bert", "tiny-bert");
}

#[test]
fn pytorch_bin_checkpoint_loads_to_the_same_logits() {
    check_parity("tiny-roberta-bin", "tiny-roberta");
}

#[test]
fn logits_at_positions_equal_the_full_forward() {
    let device = Default::default();
    let (model, _) = load_masked_lm::<B>(&fixture("tiny-roberta"), &device).unwrap();
    let exp = expected("tiny-roberta");
    let input_ids = ids(&exp["input_ids"]);
    let mask = ids(&exp["attention_mask"]);
    let [batch, seq] = input_ids.dims();
    let full = model.forward(input_ids.clone(), Some(mask.clone()), None);
    let hidden = model.encode(input_ids, Some(mask), None);
    let picks: Vec<i64> = vec![0, 3, (seq + 1) as i64, (batch * seq - 1) as i64];
    let at = model.logits_at(
        hidden,
        Tensor::from_data(TensorData::new(picks.clone(), [picks.len()]), &device),
    );
    let vocab = model.config().vocab_size;
    let full = full.into_data().into_vec::<f32>().unwrap();
    let at = at.into_data().into_vec::<f32>().unwrap();
    for (row, &p) in picks.iter().enumerate() {
        let want = &full[p as usize * vocab..(p as usize + 1) * vocab];
        let got = &at[row * vocab..(row + 1) * vocab];
        let d = want
            .iter()
            .zip(got)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        assert!(d < 1e-5, "row {p}: {d}");
    }
}
