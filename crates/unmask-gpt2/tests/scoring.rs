//! Per-token NLL and the training loss agree with cross-entropy computed from `forward`,
//! and the sliding window gives each token the context it promises.

mod common;

use common::*;
use proptest::prelude::*;
use unmask_gpt2::{Gpt2Error, Gpt2LmHead, Window, sliding_windows};

const TOLERANCE: f32 = 1e-4;

/// NLL of `ids[t]` given `ids[context_start..t]`, from a plain forward pass.
fn reference_nll(model: &Gpt2LmHead<B>, ids: &[u32], context_start: usize, t: usize) -> f32 {
    let window = &ids[context_start..t];
    let vocab = model.config().vocab_size;
    let logits = values(model.forward(ids_tensor(window, 1)));
    let row = &logits[(window.len() - 1) * vocab..window.len() * vocab];
    -log_prob(row, ids[t] as usize) as f32
}

#[test]
fn token_nll_equals_cross_entropy_of_forward_logits() {
    let model = random_model(150);
    let ids = pseudo_ids(30, 150, 21);
    let got = model.token_nll(&ids, &Default::default()).unwrap();
    assert_eq!(got.len(), 29);
    let vocab = 150;
    let logits = values(model.forward(ids_tensor(&ids, 1)));
    for t in 1..ids.len() {
        let row = &logits[(t - 1) * vocab..t * vocab];
        let want = -log_prob(row, ids[t] as usize) as f32;
        assert!(
            (got[t - 1] - want).abs() <= TOLERANCE,
            "token {t}: {} vs {want}",
            got[t - 1]
        );
    }
    assert!(
        model
            .token_nll(&ids[..1], &Default::default())
            .unwrap()
            .is_empty()
    );
    assert!(
        model
            .token_nll(&[], &Default::default())
            .unwrap()
            .is_empty()
    );
}

/// The window start for target `t` by a closed form (not the loop of `sliding_windows`).
fn context_start(t: usize, max_len: usize, stride: usize) -> usize {
    if t < max_len {
        0
    } else {
        ((t - max_len) / stride + 1) * stride
    }
}

#[test]
fn sliding_window_scores_each_token_with_its_window_context() {
    let model = tiny();
    let max = model.config().n_positions;
    let ids = pseudo_ids(3 * max + 7, model.config().vocab_size, 22);
    for stride in [max / 2, 20, max - 1] {
        let got = model
            .token_nll_with_stride(&ids, stride, &Default::default())
            .unwrap();
        assert_eq!(got.len(), ids.len() - 1);
        // Every token of the first window, and a spread of later ones (each check is a forward).
        let checks: Vec<usize> = (1..max).chain((max..ids.len()).step_by(7)).collect();
        for t in checks {
            let start = context_start(t, max, stride);
            let want = reference_nll(&model, &ids, start, t);
            assert!(
                (got[t - 1] - want).abs() <= TOLERANCE,
                "stride {stride}, token {t} (context from {start}): {} vs {want}",
                got[t - 1]
            );
        }
    }
}

#[test]
fn bad_scoring_inputs_are_errors() {
    let model = tiny();
    let device = Default::default();
    let vocab = model.config().vocab_size as u32;
    let err = model.token_nll(&[1, vocab + 3], &device).unwrap_err();
    assert!(matches!(err, Gpt2Error::TokenOutOfRange { .. }), "{err}");
    for stride in [0, model.config().n_positions] {
        let err = model
            .token_nll_with_stride(&[1, 2, 3], stride, &device)
            .unwrap_err();
        assert!(matches!(err, Gpt2Error::Input(_)), "{err}");
    }
}

#[test]
fn next_token_loss_is_the_mean_token_nll() {
    let model = tiny();
    let vocab = model.config().vocab_size;
    let ids = pseudo_ids(2 * 20, vocab, 23);
    let loss = values(model.next_token_loss(ids_tensor(&ids, 2), None))[0];
    let nll: Vec<f32> = ids
        .chunks(20)
        .flat_map(|row| model.token_nll(row, &Default::default()).unwrap())
        .collect();
    let mean = nll.iter().sum::<f32>() / nll.len() as f32;
    assert!((loss - mean).abs() <= 1e-5, "{loss} vs {mean}");
}

#[test]
fn next_token_loss_ignores_padding_targets() {
    let model = tiny();
    let pad = model.config().eos_token_id.unwrap();
    let text = pseudo_ids(12, 200, 24);
    // Row 0: 12 tokens then 4 pads; row 1: 16 tokens.
    let mut ids: Vec<u32> = text.clone();
    ids.extend([pad; 4]);
    let second = pseudo_ids(16, 200, 25);
    ids.extend(&second);
    let loss = values(model.next_token_loss(ids_tensor(&ids, 2), Some(pad)))[0];
    let nll: Vec<f32> = [&text[..], &second[..]]
        .iter()
        .flat_map(|row| model.token_nll(row, &Default::default()).unwrap())
        .collect();
    let mean = nll.iter().sum::<f32>() / nll.len() as f32;
    assert!((loss - mean).abs() <= 1e-5, "{loss} vs {mean}");
    let all_pad = values(model.next_token_loss(ids_tensor(&[pad; 4], 1), Some(pad)))[0];
    assert_eq!(all_pad, 0.0);
}

#[test]
fn the_loss_trains_the_tied_embeddings_through_both_uses() {
    use burn::backend::Autodiff;
    type AB = Autodiff<B>;
    let device = Default::default();
    let model = unmask_gpt2::Gpt2Config::small(50)
        .init::<AB>(&device)
        .unwrap();
    let data: Vec<i64> = pseudo_ids(16, 50, 26).into_iter().map(i64::from).collect();
    let ids = burn::tensor::Tensor::<AB, 2, burn::tensor::Int>::from_data(
        burn::tensor::TensorData::new(data, [2, 8]),
        &device,
    );
    let grads = model.next_token_loss(ids, None).backward();
    let wte = model.wte.weight.grad(&grads).expect("wte gets a gradient");
    let grad: Vec<f32> = wte.into_data().into_vec().unwrap();
    assert!(grad.iter().all(|g| g.is_finite()));
    // Rows of ids never in the input still get gradient through the tied head.
    let used: std::collections::BTreeSet<u32> = pseudo_ids(16, 50, 26).into_iter().collect();
    let unused = (0..50u32).find(|id| !used.contains(id)).unwrap() as usize;
    let d = 64;
    assert!(grad[unused * d..(unused + 1) * d].iter().any(|&g| g != 0.0));
}

#[test]
fn windows_of_a_short_text_are_one_forward() {
    assert_eq!(
        sliding_windows(10, 64, 32),
        vec![Window {
            start: 0,
            end: 10,
            first_target: 1
        }]
    );
    assert!(sliding_windows(1, 64, 32).is_empty());
    assert_eq!(
        sliding_windows(100, 64, 32),
        vec![
            Window {
                start: 0,
                end: 64,
                first_target: 1
            },
            Window {
                start: 32,
                end: 96,
                first_target: 64
            },
            Window {
                start: 64,
                end: 100,
                first_target: 96
            },
        ]
    );
}

proptest! {
    #[test]
    fn windows_score_every_target_once_with_enough_context(
        len in 0usize..500,
        max_len in 2usize..80,
        stride_frac in 0.0f64..1.0,
    ) {
        let stride = 1 + ((max_len - 2) as f64 * stride_frac) as usize;
        let windows = sliding_windows(len, max_len, stride);
        let mut next = 1;
        for (i, w) in windows.iter().enumerate() {
            prop_assert!(w.end - w.start <= max_len);
            prop_assert_eq!(w.first_target, next, "targets must continue where the last window ended");
            prop_assert!(w.first_target > w.start && w.first_target < w.end);
            if i > 0 {
                prop_assert!(w.first_target - w.start >= max_len - stride);
            }
            next = w.end;
        }
        prop_assert_eq!(next, len.max(1));
    }
}
