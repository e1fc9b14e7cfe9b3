//! A causal ModernBERT behind `AnyCausalLm`: scoring equals the full causal forward pass,
//! and KV-cache decoding writes the tokens that decoding without a cache writes.

use std::path::{Path, PathBuf};

use burn::backend::Flex;
use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor, TensorData};
use unmask_gpt2::GenerateOptions;
use unmask_modernbert::load_modernbert;
use unmask_runtime::causal_lm::AnyCausalLm;

type B = Flex;

/// The tiny ModernBERT parity fixture with `causal: true` in its config.json.
fn causal_fixture(tmp: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../unmask-modernbert/tests/fixtures/tiny-modernbert");
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), tmp.join(entry.file_name())).unwrap();
    }
    let config = tmp.join("config.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    json["causal"] = true.into();
    std::fs::write(&config, json.to_string()).unwrap();
    tmp.to_path_buf()
}

fn ids(v: &[u32]) -> Tensor<B, 2, Int> {
    let data: Vec<i64> = v.iter().map(|&t| t as i64).collect();
    Tensor::from_data(TensorData::new(data, [1, v.len()]), &Default::default())
}

#[test]
fn causal_modernbert_scores_and_decodes_like_its_full_forward_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = causal_fixture(tmp.path());
    let device = Default::default();
    let any = AnyCausalLm::<B>::load(&dir, &device).unwrap();
    let (model, _) = load_modernbert::<B>(&dir, &device).unwrap();
    let text: Vec<u32> = (0..30).map(|i| 5 + (i * 53 % 390)).collect();

    let nll = any.token_nll(&text, &device).unwrap();
    assert_eq!(nll.len(), text.len() - 1);
    let log_probs = log_softmax(model.forward(ids(&text), None), 2)
        .into_data()
        .into_vec::<f32>()
        .unwrap();
    for (i, value) in nll.iter().enumerate() {
        let want = -log_probs[i * 400 + text[i + 1] as usize];
        assert!((value - want).abs() < 1e-4, "token {i}: {value} vs {want}");
    }

    // Greedy decoding with the cache against argmax over full passes.
    let prompt = &text[..5];
    let generation = any
        .generate(prompt, &GenerateOptions::greedy(20), &device)
        .unwrap();
    assert_eq!(generation.model_calls, 20);
    let mut seq = prompt.to_vec();
    for _ in 0..20 {
        let logits = model.forward(ids(&seq), None);
        let [_, len, vocab] = logits.dims();
        let last = logits.narrow(1, len - 1, 1).reshape([vocab]);
        seq.push(last.argmax(0).into_scalar() as u32);
    }
    assert_eq!(generation.tokens, seq[5..].to_vec());

    // Longer than the model (64 positions): an error, not a panic.
    let err = any
        .generate(prompt, &GenerateOptions::greedy(100), &device)
        .unwrap_err();
    assert!(err.to_string().contains("64"), "{err}");
}

#[test]
fn a_masked_modernbert_is_not_a_causal_lm() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../unmask-modernbert/tests/fixtures/tiny-modernbert");
    let err = AnyCausalLm::<B>::load(&dir, &Default::default())
        .err()
        .expect("refused");
    assert!(err.to_string().contains("masked LM"), "{err}");
}
