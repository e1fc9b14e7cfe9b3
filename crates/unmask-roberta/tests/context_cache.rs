//! The block cache: rows run against keys and values recorded by a full pass equal the full
//! pass at those rows (RoBERTa positions counted over the whole sequence with left and right
//! padding, BERT token types), and a cache recorded from other ids really is what the rows
//! attend to.

use std::path::Path;

use burn::backend::Flex;
use burn::tensor::{Int, Tensor, TensorData};
use unmask_nn::tensor_file::read_tensors;
use unmask_roberta::{MaskedLm, load_masked_lm};

type B = Flex;
const TOLERANCE: f32 = 1e-5;

struct Fixture {
    model: MaskedLm<B>,
    ids: Tensor<B, 2, Int>,
    mask: Tensor<B, 2, Int>,
    types: Tensor<B, 2, Int>,
}

fn fixture(name: &str) -> Fixture {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let (model, _) = load_masked_lm::<B>(&dir, &Default::default()).expect("load");
    let exp = read_tensors(&dir.join("expected.safetensors")).expect("expected.safetensors");
    let ints = |name: &str| {
        let t = &exp[name];
        let data: Vec<i64> = t.data.iter().map(|&v| v as i64).collect();
        Tensor::from_data(
            TensorData::new(data, [t.shape[0], t.shape[1]]),
            &Default::default(),
        )
    };
    Fixture {
        model,
        ids: ints("input_ids"),
        mask: ints("attention_mask"),
        types: ints("token_type_ids"),
    }
}

fn max_diff(a: Tensor<B, 3>, b: Tensor<B, 3>) -> f32 {
    assert_eq!(a.dims(), b.dims());
    (a - b).abs().max().into_scalar()
}

fn check_rows_equal_the_full_pass(name: &str) {
    let Fixture {
        model,
        ids,
        mask,
        types,
    } = fixture(name);
    let [batch, seq] = ids.dims();
    assert!(seq >= 6, "{name}: {seq} positions");
    let full = model.encode(ids.clone(), Some(mask.clone()), Some(types.clone()));
    let (recorded, cache) = model.encode_recording(ids.clone(), Some(mask), Some(types.clone()));
    assert_eq!(cache.len(), seq);
    assert!(max_diff(recorded, full.clone()) <= TOLERANCE);
    // A prefix-cache pass (a block and all after it), dual-cache blocks at the start, in the
    // middle and at the end, one row, every row.
    for rows in [2..seq, 0..3, 2..5, seq - 2..seq, 4..5, 0..seq] {
        let got = model.encode_rows(ids.clone(), Some(types.clone()), rows.clone(), &cache);
        let want = full.clone().slice([0..batch, rows.clone()]);
        let diff = max_diff(got, want);
        assert!(diff <= TOLERANCE, "{name} rows {rows:?}: {diff:e}");
    }
}

#[test]
fn roberta_rows_against_the_recorded_cache_equal_the_full_pass() {
    check_rows_equal_the_full_pass("tiny-roberta");
}

#[test]
fn bert_rows_against_the_recorded_cache_equal_the_full_pass() {
    check_rows_equal_the_full_pass("tiny-bert");
}

#[test]
fn rows_attend_to_the_cache_for_the_other_positions() {
    let Fixture { model, ids, .. } = fixture("tiny-roberta");
    let seq = ids.dims()[1];
    let ids: Tensor<B, 2, Int> = ids.slice([0..1, 0..seq]);
    // A cache of other ids: rows 2..4 see those elsewhere, not the ids given.
    let other = ids.clone().add_scalar(5).remainder_scalar(40).add_scalar(4);
    let (_, stale) = model.encode_recording(other.clone(), None, None);
    let rows = 2..4;
    let got = model.encode_rows(ids.clone(), None, rows.clone(), &stale);
    let with_ids = model.encode(ids, None, None).slice([0..1, rows.clone()]);
    let with_other = model.encode(other, None, None).slice([0..1, rows]);
    assert!(max_diff(got.clone(), with_ids) > 1e-3);
    assert!(max_diff(got, with_other) > 1e-3);
}
