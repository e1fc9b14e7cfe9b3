//! The models on a CubeCL GPU backend, checked against transformers' outputs and against the
//! CPU backend (Flex): CUDA with the `cuda` feature, else wgpu with the `wgpu` feature. Without
//! a GPU, wgpu runs on Mesa's lavapipe (Vulkan on the CPU; `.ci/run` installs it). These tests
//! exercise what the CPU backend never does: kernels compiled for a GPU, dropout masks drawn
//! on the device, int tensors and gathers on the device.
//!
//! `cargo test -p unmask-runtime --features wgpu --test gpu` (CI, lavapipe), or
//! `--features cuda` on an NVIDIA machine (`benches/nvidia.sh`).
#![cfg(any(feature = "wgpu", feature = "cuda"))]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::backend::{Autodiff, Flex};
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use unmask_nn::tensor_file::{RawTensor, read_tensors};
use unmask_runtime::denoiser::MaskedLmDenoiser;
use unmask_sampler::{Canvas, NoObserver, PolicyKind, Sampler, SamplerConfig};
use unmask_train::{TrainConfig, TrainOptions, train};

#[cfg(feature = "cuda")]
type Gpu = burn::backend::Cuda;
#[cfg(not(feature = "cuda"))]
type Gpu = burn::backend::Wgpu;

/// Same bound as the CPU parity tests.
const PARITY: f32 = 1e-4;
/// Validation losses of the same training run on the two backends, after a few AdamW steps
/// (different summation orders in the kernels; a wrong gradient would differ by far more).
const TRAINING: f64 = 1e-3;

fn fixture(crate_dir: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(crate_dir)
        .join("tests/fixtures")
        .join(name)
}

fn expected(path: PathBuf) -> BTreeMap<String, RawTensor> {
    read_tensors(&path).expect("expected.safetensors")
}

fn ids<B: Backend>(t: &RawTensor, device: &B::Device) -> Tensor<B, 2, Int> {
    let data: Vec<i64> = t.data.iter().map(|&v| v as i64).collect();
    Tensor::from_data(TensorData::new(data, [t.shape[0], t.shape[1]]), device)
}

fn max_abs_diff(got: &[f32], want: &[f32]) -> f32 {
    assert_eq!(got.len(), want.len());
    got.iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max)
}

fn values<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data().convert::<f32>().into_vec().unwrap()
}

fn masked_lm_parity(dir: &str) {
    let device = Default::default();
    let (model, _) =
        unmask_roberta::load_masked_lm::<Gpu>(&fixture("unmask-roberta", dir), &device)
            .expect("load");
    let exp = expected(fixture("unmask-roberta", dir).join("expected.safetensors"));
    let input = ids::<Gpu>(&exp["input_ids"], &device);
    let mask = ids::<Gpu>(&exp["attention_mask"], &device);
    let types = ids::<Gpu>(&exp["token_type_ids"], &device);
    let hidden = values(model.encode(input.clone(), Some(mask.clone()), Some(types.clone())));
    let logits = values(model.forward(input, Some(mask), Some(types)));
    let dh = max_abs_diff(&hidden, &exp["hidden_states"].data);
    let dl = max_abs_diff(&logits, &exp["logits"].data);
    eprintln!("{dir} on the GPU backend: max |diff| hidden {dh:e}, logits {dl:e}");
    assert!(dh < PARITY, "{dir}: hidden states differ by {dh}");
    assert!(dl < PARITY, "{dir}: logits differ by {dl}");
}

/// ModernBERT (global and sliding layers, a padded batch): logits at the real positions, as a
/// masked LM and as a causal LM, against transformers; KV-cache decoding against the full pass.
#[test]
fn modernbert_logits_match_transformers_on_the_gpu_backend() {
    let device = Default::default();
    let dir = fixture("unmask-modernbert", "tiny-modernbert");
    let (mut model, _) = unmask_modernbert::load_modernbert::<Gpu>(&dir, &device).expect("load");
    let exp = expected(dir.join("expected.safetensors"));
    let real: Vec<bool> = exp["attention_mask"]
        .data
        .iter()
        .map(|&m| m == 1.0)
        .collect();
    let unpadded = |got: Vec<f32>, want: &RawTensor| -> f32 {
        let width = got.len() / real.len();
        let keep = |v: &[f32]| -> Vec<f32> {
            v.chunks(width)
                .zip(&real)
                .filter(|(_, r)| **r)
                .flat_map(|(row, _)| row.to_vec())
                .collect()
        };
        max_abs_diff(&keep(&got), &keep(&want.data))
    };
    for (causal, key) in [(false, "logits"), (true, "causal_logits")] {
        model.config.causal = causal;
        let input = ids::<Gpu>(&exp["input_ids"], &device);
        let mask = ids::<Gpu>(&exp["attention_mask"], &device);
        let d = unpadded(values(model.forward(input, Some(mask))), &exp[key]);
        eprintln!("tiny-modernbert {key} on the GPU backend: max |diff| {d:e}");
        assert!(d < PARITY, "{key} differ by {d}");
    }
    let row: Tensor<Gpu, 2, Int> = ids::<Gpu>(&exp["input_ids"], &device).slice([0..1, 0..24]);
    let full = values(model.forward(row.clone(), None));
    let mut cache = unmask_modernbert::KvCache::new(model.layers.len());
    let mut steps = vec![model.forward_cached(row.clone().slice([0..1, 0..8]), &mut cache)];
    for i in 8..24 {
        steps.push(model.forward_cached(row.clone().slice([0..1, i..i + 1]), &mut cache));
    }
    let hidden = Tensor::cat(steps, 1).reshape([24, 32]);
    let d = max_abs_diff(&values(model.head_logits(hidden)), &full);
    assert!(d < PARITY, "KV-cache decoding differs by {d}");
}

#[test]
fn roberta_logits_match_transformers_on_the_gpu_backend() {
    masked_lm_parity("tiny-roberta");
}

#[test]
fn bert_logits_match_transformers_on_the_gpu_backend() {
    masked_lm_parity("tiny-bert");
}

#[test]
fn gpt2_logits_match_transformers_on_the_gpu_backend() {
    let device = Default::default();
    let (model, _) =
        unmask_gpt2::load_gpt2::<Gpu>(fixture("unmask-gpt2", "tiny-gpt2"), &device).unwrap();
    let exp = expected(fixture("unmask-gpt2", "tiny-gpt2").join("expected.safetensors"));
    let logits = values(model.forward(ids::<Gpu>(&exp["input_ids"], &device)));
    let d = max_abs_diff(&logits, &exp["logits"].data);
    eprintln!("tiny-gpt2 on the GPU backend: max |diff| logits {d:e}");
    assert!(d < PARITY, "logits differ by {d}");
}

/// The tiny RoBERTa fixture with its dropout set to `dropout`, in `tmp`.
fn tiny_roberta_with_dropout(tmp: &Path, dropout: f64) -> PathBuf {
    let dir =
        unmask_test_data::tiny_roberta_copy(&tmp.join(format!("tiny-roberta-dropout-{dropout}")));
    let config = std::fs::read_to_string(dir.join("config.json")).unwrap();
    let config = config
        .replace(
            "\"attention_probs_dropout_prob\": 0.1",
            &format!("\"attention_probs_dropout_prob\": {dropout}"),
        )
        .replace(
            "\"hidden_dropout_prob\": 0.1",
            &format!("\"hidden_dropout_prob\": {dropout}"),
        );
    std::fs::write(dir.join("config.json"), config).unwrap();
    dir
}

/// A few steps of linear-schedule fine-tuning of the tiny RoBERTa on a small synthetic corpus:
/// the same weights, batches and masks on any backend.
fn fine_tune_config(checkpoint: &Path, corpus: &Path, out_dir: &Path) -> TrainConfig {
    let text = format!(
        r#"
[model]
init = "pretrained"
source = "{checkpoint}"

[data]
corpus = "{corpus}"
block_len = 24
prompt_len = 0

[schedule]
name = "linear"

[optim]
lr = 3e-3
warmup_steps = 2
batch_size = 4

[run]
steps = 6
out_dir = "{out}"
log_every = 3
eval_every = 3
eval_batches = 2
checkpoint_every = 6
"#,
        checkpoint = checkpoint.display(),
        corpus = corpus.display(),
        out = out_dir.display(),
    );
    TrainConfig::from_toml(&text).expect("valid test config")
}

fn validation_losses<B: burn::tensor::backend::AutodiffBackend>(
    checkpoint: &Path,
    tmp: &Path,
    name: &str,
) -> Vec<(usize, f64)> {
    let corpus = unmask_test_data::synthetic_corpus(tmp, 20, 200);
    let config = fine_tune_config(checkpoint, &corpus, &tmp.join(name));
    let options = TrainOptions {
        quiet: true,
        ..Default::default()
    };
    let summary = train::<B>(&config, &Default::default(), &options).expect("trains");
    assert!(summary.final_dir.is_some(), "{name}: no final model");
    summary.validation
}

#[test]
fn training_on_the_gpu_backend_follows_flex_step_for_step() {
    let tmp = tempfile::tempdir().unwrap();
    let checkpoint = tiny_roberta_with_dropout(tmp.path(), 0.0);
    let cpu = validation_losses::<Autodiff<Flex>>(&checkpoint, tmp.path(), "flex");
    let gpu = validation_losses::<Autodiff<Gpu>>(&checkpoint, tmp.path(), "gpu");
    eprintln!("validation loss, Flex {cpu:?}\n                  GPU {gpu:?}");
    assert_eq!(cpu.len(), 3, "evaluated at steps 0, 3 and 6");
    for ((step, a), (gpu_step, b)) in cpu.iter().zip(&gpu) {
        assert_eq!(step, gpu_step);
        assert!(
            (a - b).abs() < TRAINING,
            "step {step}: Flex {a} vs GPU backend {b}"
        );
    }
    assert!(
        cpu.last().unwrap().1 < cpu[0].1,
        "the run learns something: {cpu:?}"
    );
}

/// Dropout masks are drawn on the device on GPU backends (on the host on CPU backends).
#[test]
fn dropout_on_the_device_trains_and_changes_the_updates() {
    assert!(
        !unmask_nn::runs_on_host::<Autodiff<Gpu>>(&Default::default()),
        "the GPU backend must take the device-side branches"
    );
    let tmp = tempfile::tempdir().unwrap();
    let plain = tiny_roberta_with_dropout(tmp.path(), 0.0);
    let dropped = tiny_roberta_with_dropout(tmp.path(), 0.3);
    let without = validation_losses::<Autodiff<Gpu>>(&plain, tmp.path(), "without");
    let with = validation_losses::<Autodiff<Gpu>>(&dropped, tmp.path(), "with");
    eprintln!(
        "validation loss on the GPU backend, no dropout {without:?}\n             dropout 0.3 {with:?}"
    );
    assert!(with.iter().all(|(_, loss)| loss.is_finite()));
    // Step 0 is evaluated before any update, and evaluation never drops: equal.
    assert!((with[0].1 - without[0].1).abs() < 1e-6);
    let last = |v: &[(usize, f64)]| v.last().unwrap().1;
    assert!(
        (last(&with) - last(&without)).abs() > 1e-4,
        "dropout left the updates unchanged: {with:?} vs {without:?}"
    );
}

fn generate<B: Backend>(config: &SamplerConfig) -> Vec<u32> {
    let device: B::Device = Default::default();
    let (model, _) =
        unmask_roberta::load_masked_lm::<B>(&fixture("unmask-roberta", "tiny-roberta"), &device)
            .unwrap();
    let mut denoiser = MaskedLmDenoiser::new(model, device);
    let canvases = vec![
        Canvas::prompted(&[0, 40, 41], 12, &[2], 399).unwrap(),
        Canvas::prompted(&[0], 20, &[2], 399).unwrap(),
    ];
    let generation = Sampler::new(config.clone())
        .unwrap()
        .generate(&mut denoiser, canvases, &mut NoObserver)
        .unwrap();
    generation
        .canvases
        .iter()
        .flat_map(|c| c.tokens().to_vec())
        .collect()
}

/// The same seeded sampler run on both backends writes the same tokens (the logits agree to
/// ~1e-6, far inside the gaps between the draws' thresholds for this model).
#[test]
fn generation_on_the_gpu_backend_writes_the_tokens_flex_writes() {
    for policy in [PolicyKind::Seed, PolicyKind::Entropy] {
        let config = SamplerConfig {
            policy,
            steps: 8,
            top_k: Some(50),
            seed: 7,
            ..Default::default()
        };
        let cpu = generate::<Flex>(&config);
        let gpu = generate::<Gpu>(&config);
        assert!(!cpu.contains(&399), "{policy}: masks left: {cpu:?}");
        assert_eq!(
            cpu, gpu,
            "{policy}: Flex and the GPU backend wrote different tokens"
        );
    }
}

/// The block cache on the GPU backend: rows run against recorded keys and values equal the
/// full pass there (the fused attention with fewer queries than keys; ModernBERT's sliding
/// window as a bias at full shape), and cached decoding writes the tokens Flex writes.
#[test]
fn block_cache_on_the_gpu_backend_matches_the_full_pass_and_flex() {
    let device = Default::default();
    let dir = fixture("unmask-modernbert", "tiny-modernbert");
    let (model, _) = unmask_modernbert::load_modernbert::<Gpu>(&dir, &device).expect("load");
    let exp = expected(dir.join("expected.safetensors"));
    let input: Tensor<Gpu, 2, Int> = ids::<Gpu>(&exp["input_ids"], &device).slice([0..1, 0..24]);
    let full = model.encode(input.clone(), None);
    let (_, cache) = model.encode_recording(input.clone(), None);
    for rows in [6..24, 9..14, 0..4] {
        let got = values(model.encode_rows(input.clone(), rows.clone(), &cache));
        let want = values(full.clone().slice([0..1, rows.clone()]));
        let diff = max_abs_diff(&got, &want);
        assert!(diff <= PARITY, "ModernBERT rows {rows:?}: {diff:e}");
    }
    for cache in [
        unmask_sampler::CacheMode::Prefix,
        unmask_sampler::CacheMode::Dual,
    ] {
        let config = SamplerConfig {
            policy: PolicyKind::Entropy,
            steps: 8,
            block_len: Some(4),
            cache: Some(cache),
            top_k: Some(50),
            seed: 7,
            ..Default::default()
        };
        let cpu = generate::<Flex>(&config);
        let gpu = generate::<Gpu>(&config);
        assert!(!cpu.contains(&399), "{cache}: masks left: {cpu:?}");
        assert_eq!(
            cpu, gpu,
            "{cache}: Flex and the GPU backend wrote different tokens"
        );
    }
}
