//! Training needs the right gradients across positions: the loss at one masked position must
//! reach the parameters that read the other positions (values, positions, queries, keys),
//! and agree with central finite differences. Written while looking for the cause of the
//! from-scratch plateau (docs/training.md): the gradients are right.

use std::sync::Mutex;

use burn::backend::{Autodiff, Flex};
use burn::module::Param;
use burn::tensor::backend::Backend;
use burn::tensor::{Int, Tensor, TensorData};
use unmask_roberta::{MaskedLm, MaskedLmConfig};

type Ad = Autodiff<Flex>;

/// The backend's RNG is one global: tests that seed it must not interleave.
static SEEDED: Mutex<()> = Mutex::new(());

fn tiny() -> MaskedLm<Ad> {
    let mut config = MaskedLmConfig::small_roberta(12, 8, 1, 2, 16, 8);
    config.hidden_dropout_prob = 0.0;
    config.attention_probs_dropout_prob = 0.0;
    let device = Default::default();
    Ad::seed(&device, 7);
    let mut model = config.init::<Ad>(&device);
    // Larger query/key weights than RoBERTa's 0.02, so that their gradients stand above the
    // finite differences' f32 rounding.
    for layer in &mut model.layers {
        let attention = &mut layer.attention;
        for linear in [&mut attention.query, &mut attention.key] {
            let scaled = linear.weight.val().into_data().convert::<f32>();
            let scaled: Vec<f32> = scaled.iter::<f32>().map(|v| v * 25.0).collect();
            let dims = linear.weight.val().dims();
            linear.weight =
                Param::from_tensor(Tensor::from_data(TensorData::new(scaled, dims), &device));
        }
    }
    model
}

/// The logit of token 6 at position 2 of a fixed sequence.
fn loss(model: &MaskedLm<Ad>) -> Tensor<Ad, 1> {
    let device = Default::default();
    let ids = Tensor::<Ad, 2, Int>::from_data(
        TensorData::new(vec![0i64, 5, 4, 7, 9, 2], [1, 6]),
        &device,
    );
    let hidden = model.encode(ids, None, None);
    let positions = Tensor::<Ad, 1, Int>::from_data(TensorData::new(vec![2i64], [1]), &device);
    model
        .logits_at(hidden, positions)
        .slice([0..1, 6..7])
        .reshape([1])
}

fn check(
    get: impl Fn(&MaskedLm<Ad>) -> &Param<Tensor<Ad, 2>>,
    set: impl Fn(&mut MaskedLm<Ad>, Param<Tensor<Ad, 2>>),
    entries: &[usize],
) {
    let _guard = SEEDED.lock().unwrap_or_else(|e| e.into_inner());
    let model = tiny();
    let grads = loss(&model).backward();
    let param = get(&model);
    let analytic: Vec<f32> = param
        .grad(&grads)
        .expect("the parameter has a gradient")
        .into_data()
        .to_vec()
        .unwrap();
    // The entries with the largest gradients, where f32 finite differences resolve them.
    let mut entries: Vec<usize> = entries.to_vec();
    if entries.is_empty() {
        entries = (0..analytic.len()).collect();
        entries.sort_by(|&a, &b| analytic[b].abs().total_cmp(&analytic[a].abs()));
        entries.truncate(4);
    }
    assert!(
        entries.iter().any(|&i| analytic[i].abs() > 1e-5),
        "no gradient reaches the parameter: {analytic:?}"
    );
    let weights: Vec<f32> = param.val().into_data().to_vec().unwrap();
    let dims = param.val().dims();
    let eps = 1e-2f32;
    for &index in &entries {
        let at = |delta: f32| {
            let mut m = tiny();
            let mut w = weights.clone();
            w[index] += delta;
            let tensor = Tensor::from_data(TensorData::new(w, dims), &Default::default());
            set(&mut m, Param::from_tensor(tensor));
            loss(&m).into_scalar()
        };
        let numeric = (at(eps) - at(-eps)) / (2.0 * eps);
        assert!(
            (numeric - analytic[index]).abs() < 2e-6 + 0.05 * numeric.abs(),
            "entry {index}: autodiff {} vs finite difference {numeric}",
            analytic[index]
        );
    }
}

#[test]
fn value_gradients_match_finite_differences() {
    check(
        |m| &m.layers[0].attention.value.weight,
        |m, p| m.layers[0].attention.value.weight = p,
        &[0, 9, 17, 30],
    );
}

#[test]
fn query_and_key_gradients_match_finite_differences() {
    check(
        |m| &m.layers[0].attention.query.weight,
        |m, p| m.layers[0].attention.query.weight = p,
        &[],
    );
    check(
        |m| &m.layers[0].attention.key.weight,
        |m, p| m.layers[0].attention.key.weight = p,
        &[],
    );
}

#[test]
fn position_gradients_match_finite_differences() {
    // Rows 2..8 hold the six tokens' positions (RoBERTa: pad id 1, positions from 2).
    check(
        |m| &m.embeddings.position.weight,
        |m, p| m.embeddings.position.weight = p,
        &[2 * 8, 3 * 8 + 1, 5 * 8 + 2, 7 * 8 + 3],
    );
}

#[test]
fn roberta_positions_count_tokens_in_long_batches() {
    let model = {
        let _guard = SEEDED.lock().unwrap_or_else(|e| e.into_inner());
        tiny()
    };
    for (batch, seq) in [(1, 6), (2, 64), (16, 256)] {
        let ids: Vec<i64> = (0..batch * seq).map(|i| 3 + (i % 7) as i64).collect();
        let ids = Tensor::<Ad, 2, Int>::from_data(
            TensorData::new(ids, [batch, seq]),
            &Default::default(),
        );
        let positions: Vec<i64> = model
            .embeddings
            .position_ids(ids)
            .into_data()
            .convert::<i64>()
            .to_vec()
            .unwrap();
        let expected: Vec<i64> = (0..batch)
            .flat_map(|_| (0..seq as i64).map(|p| p + 2))
            .collect();
        assert_eq!(positions, expected, "batch {batch} x {seq}");
    }
}
