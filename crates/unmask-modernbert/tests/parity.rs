//! Logit parity with transformers' `ModernBertForMaskedLM` on the tiny random checkpoints of
//! `fixtures/make_fixtures.py` (committed; no Python needed): sequences longer than the
//! sliding window, global and local layers, a right-padded batch, both config.json forms,
//! f16/bf16 weight files, and the same weights as a causal LM.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::backend::Flex;
use burn::tensor::{Int, Tensor, TensorData};
use unmask_modernbert::{AttentionKind, ModernBert, load_modernbert};
use unmask_nn::tensor_file::{RawTensor, read_tensors};

type B = Flex;
const TOLERANCE: f32 = 1e-4;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn expected(name: &str) -> BTreeMap<String, RawTensor> {
    read_tensors(&fixture(name).join("expected.safetensors")).expect("expected.safetensors")
}

fn ints(t: &RawTensor) -> Tensor<B, 2, Int> {
    let data: Vec<i64> = t.data.iter().map(|&v| v as i64).collect();
    Tensor::from_data(
        TensorData::new(data, [t.shape[0], t.shape[1]]),
        &Default::default(),
    )
}

/// Max |got - want| over the real (unpadded) positions; padded rows are undefined in both.
fn max_diff_unpadded(got: Tensor<B, 3>, want: &RawTensor, mask: &RawTensor) -> f32 {
    let [batch, seq, width] = got.dims();
    assert_eq!(want.shape, vec![batch, seq, width]);
    let got = got.into_data().into_vec::<f32>().unwrap();
    let mut diff = 0f32;
    for row in 0..batch * seq {
        if mask.data[row] == 0.0 {
            continue;
        }
        for j in 0..width {
            let i = row * width + j;
            diff = diff.max((got[i] - want.data[i]).abs());
        }
    }
    diff
}

fn load(name: &str) -> ModernBert<B> {
    let (model, report) = load_modernbert::<B>(&fixture(name), &Default::default()).expect("load");
    assert!(!report.fresh_head, "{name} has an MLM head");
    model
}

fn check_masked_lm(model_dir: &str) {
    let model = load(model_dir);
    let exp = expected(model_dir);
    let (ids, mask) = (ints(&exp["input_ids"]), ints(&exp["attention_mask"]));
    let hidden = model.encode(ids.clone(), Some(mask.clone()));
    let dh = max_diff_unpadded(hidden, &exp["hidden_states"], &exp["attention_mask"]);
    let logits = model.forward(ids, Some(mask));
    let dl = max_diff_unpadded(logits, &exp["logits"], &exp["attention_mask"]);
    eprintln!(
        "{model_dir}: max |hidden - transformers| {dh:.1e}, max |logits - transformers| {dl:.1e}"
    );
    assert!(
        dh <= TOLERANCE && dl <= TOLERANCE,
        "{model_dir}: hidden {dh:e}, logits {dl:e}"
    );
}

#[test]
fn masked_lm_matches_transformers_v5_config() {
    let model = load("tiny-modernbert");
    let kinds = &model.config().layer_types;
    assert!(kinds.contains(&AttentionKind::Full) && kinds.contains(&AttentionKind::Sliding));
    assert!(model.config().local_attention / 2 < expected("tiny-modernbert")["input_ids"].shape[1]);
    check_masked_lm("tiny-modernbert");
}

#[test]
fn masked_lm_matches_transformers_v4_config_with_biases() {
    let model = load("tiny-modernbert-v4");
    assert!(model.config().norm_bias && model.config().attention_bias);
    assert_eq!(model.config().local_rope_theta, 50.0);
    check_masked_lm("tiny-modernbert-v4");
}

#[test]
fn half_precision_weight_files_load_as_f32() {
    check_masked_lm("tiny-modernbert-f16");
    check_masked_lm("tiny-modernbert-bf16");
}

#[test]
fn causal_lm_matches_transformers_with_causal_masks() {
    let mut model = load("tiny-modernbert");
    model.config.causal = true;
    let exp = expected("tiny-modernbert");
    let (ids, mask) = (ints(&exp["input_ids"]), ints(&exp["attention_mask"]));
    let logits = model.forward(ids, Some(mask));
    let d = max_diff_unpadded(logits, &exp["causal_logits"], &exp["attention_mask"]);
    eprintln!("causal: max |logits - transformers| {d:.1e}");
    assert!(d <= TOLERANCE, "causal logits {d:e}");
    // And it is not the bidirectional model.
    let d_bidirectional = max_diff_unpadded(
        model.forward(ints(&exp["input_ids"]), Some(ints(&exp["attention_mask"]))),
        &exp["logits"],
        &exp["attention_mask"],
    );
    assert!(d_bidirectional > 1e-2);
}

#[test]
fn padding_does_not_change_the_real_tokens() {
    // Row 2 alone (its 9 tokens, no padding) equals row 2 of the padded batch.
    let model = load("tiny-modernbert");
    let exp = expected("tiny-modernbert");
    let ids = ints(&exp["input_ids"]);
    let short: Tensor<B, 2, Int> = ids.slice([2..3, 0..9]);
    let alone = model
        .forward(short, None)
        .into_data()
        .into_vec::<f32>()
        .unwrap();
    let vocab = model.config().vocab_size;
    let want = &exp["logits"].data[2 * 24 * vocab..(2 * 24 + 9) * vocab];
    let diff = alone
        .iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(diff <= TOLERANCE, "{diff:e}");
}

#[test]
fn kv_cache_decoding_equals_the_full_causal_pass() {
    // Sliding layers included: the cache must apply the window to cached keys too.
    let mut model = load("tiny-modernbert");
    model.config.causal = true;
    let exp = expected("tiny-modernbert");
    let ids: Tensor<B, 2, Int> = ints(&exp["input_ids"]).slice([0..1, 0..24]);
    let full = model.forward(ids.clone(), None);
    let mut cache = unmask_modernbert::KvCache::new(model.layers.len());
    let mut steps = vec![model.forward_cached(ids.clone().slice([0..1, 0..10]), &mut cache)];
    for i in 10..24 {
        steps.push(model.forward_cached(ids.clone().slice([0..1, i..i + 1]), &mut cache));
    }
    assert_eq!(cache.len(), 24);
    let hidden = Tensor::cat(steps, 1);
    let [_, seq, h] = hidden.dims();
    let cached = model
        .head_logits(hidden.reshape([seq, h]))
        .reshape([1, seq, 400]);
    let diff: f32 = (cached - full).abs().max().into_scalar();
    assert!(diff <= TOLERANCE, "{diff:e}");
}
