//! Parity with Hugging Face transformers on the tiny random checkpoint written by
//! `fixtures/make_fixtures.py` (committed; no Python needed to run these tests).

mod common;

use common::*;
use unmask_gpt2::{GenerateOptions, load_gpt2};

const TOLERANCE: f32 = 1e-4;

#[test]
fn logits_and_hidden_states_match_transformers() {
    let model = tiny();
    let exp = expected();
    let ids = ids_tensor(&as_ids(&exp["input_ids"]), exp["input_ids"].shape[0]);
    let hidden = values(model.forward_hidden(ids.clone()));
    let logits = values(model.forward(ids));
    let dh = max_abs_diff(&hidden, &exp["hidden_states"].data);
    let dl = max_abs_diff(&logits, &exp["logits"].data);
    eprintln!("tiny-gpt2: max |diff| hidden {dh:e}, logits {dl:e}");
    assert!(dh <= TOLERANCE, "hidden states differ by {dh}");
    assert!(dl <= TOLERANCE, "logits differ by {dl}");
}

#[test]
fn pytorch_bin_with_stored_lm_head_loads_to_the_same_logits() {
    let (model, report) = load_gpt2::<B>(fixture("tiny-gpt2-bin"), &Default::default()).unwrap();
    assert!(
        report.checked_tied_lm_head,
        "the .bin stores lm_head.weight"
    );
    assert!(report.weights.ends_with("pytorch_model.bin"));
    let exp = expected();
    let ids = ids_tensor(&as_ids(&exp["input_ids"]), exp["input_ids"].shape[0]);
    let d = max_abs_diff(&values(model.forward(ids)), &exp["logits"].data);
    assert!(d <= TOLERANCE, "logits differ by {d}");
}

#[test]
fn token_nll_matches_transformers_per_row() {
    let model = tiny();
    let exp = expected();
    let ids = as_ids(&exp["input_ids"]);
    let [batch, seq] = [exp["input_ids"].shape[0], exp["input_ids"].shape[1]];
    let want = &exp["token_nll"].data;
    for row in 0..batch {
        let got = model
            .token_nll(&ids[row * seq..(row + 1) * seq], &Default::default())
            .unwrap();
        let d = max_abs_diff(&got, &want[row * (seq - 1)..(row + 1) * (seq - 1)]);
        assert!(d <= TOLERANCE, "row {row}: NLL differs by {d}");
    }
}

#[test]
fn sliding_window_nll_matches_the_hugging_face_perplexity_loop() {
    let model = tiny();
    let exp = expected();
    let ids = as_ids(&exp["long_ids"]);
    assert!(ids.len() > model.config().n_positions);
    let got = model.token_nll(&ids, &Default::default()).unwrap();
    let d = max_abs_diff(&got, &exp["long_token_nll"].data);
    eprintln!(
        "tiny-gpt2 sliding window ({} tokens): max |NLL diff| {d:e}",
        ids.len()
    );
    assert!(d <= TOLERANCE, "NLL differs by {d}");
}

#[test]
fn greedy_generation_matches_transformers_generate() {
    let model = tiny();
    let exp = expected();
    let prompt = as_ids(&exp["prompt"]);
    let want = as_ids(&exp["greedy"]);
    let generation = model
        .generate(
            &prompt,
            &GenerateOptions::greedy(want.len()),
            &Default::default(),
        )
        .unwrap();
    // transformers stops at EOS too; its output then ends with it.
    assert_eq!(generation.tokens, want);
}
