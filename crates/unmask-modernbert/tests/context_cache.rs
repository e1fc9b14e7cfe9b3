//! The block cache: rows run against keys and values recorded by a full pass equal the full
//! pass at those rows (global and sliding layers, rotary positions of the rows, a padded
//! batch), and a cache recorded from other ids really is what the rows attend to.

use std::path::Path;

use burn::backend::Flex;
use burn::tensor::{Int, Tensor, TensorData};
use unmask_modernbert::{ModernBert, load_modernbert};
use unmask_nn::tensor_file::read_tensors;

type B = Flex;
const TOLERANCE: f32 = 1e-5;

fn fixture() -> (ModernBert<B>, Tensor<B, 2, Int>, Tensor<B, 2, Int>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny-modernbert");
    let (model, _) = load_modernbert::<B>(&dir, &Default::default()).expect("load");
    let exp = read_tensors(&dir.join("expected.safetensors")).expect("expected.safetensors");
    let ints = |name: &str| {
        let t = &exp[name];
        let data: Vec<i64> = t.data.iter().map(|&v| v as i64).collect();
        Tensor::from_data(
            TensorData::new(data, [t.shape[0], t.shape[1]]),
            &Default::default(),
        )
    };
    (model, ints("input_ids"), ints("attention_mask"))
}

fn max_diff(a: Tensor<B, 3>, b: Tensor<B, 3>) -> f32 {
    assert_eq!(a.dims(), b.dims());
    (a - b).abs().max().into_scalar()
}

/// Max |a - b| over the real rows (`mask` 1); padded rows are undefined in both.
fn max_diff_unpadded(a: Tensor<B, 3>, b: Tensor<B, 3>, mask: Tensor<B, 2, Int>) -> f32 {
    assert_eq!(a.dims(), b.dims());
    let real = mask.float().unsqueeze_dim::<3>(2);
    ((a - b).abs() * real).max().into_scalar()
}

#[test]
fn rows_against_the_recorded_cache_equal_the_full_pass() {
    let (model, ids, mask) = fixture();
    let [batch, seq] = ids.dims();
    let full = model.encode(ids.clone(), Some(mask.clone()));
    let (recorded, cache) = model.encode_recording(ids.clone(), Some(mask.clone()));
    assert_eq!(cache.len(), seq);
    assert!(max_diff(recorded, full.clone()) <= TOLERANCE);
    let real_rows = |rows: std::ops::Range<usize>| mask.clone().slice([0..batch, rows]);
    // A prefix-cache pass (a block and all after it), dual-cache blocks at the start, in the
    // middle (wider than the sliding window's half) and at the end, one row, every row.
    for rows in [6..seq, 0..4, 9..14, 3..16, seq - 5..seq, 11..12, 0..seq] {
        let got = model.encode_rows(ids.clone(), rows.clone(), &cache);
        let want = full.clone().slice([0..batch, rows.clone()]);
        let diff = max_diff_unpadded(got, want, real_rows(rows.clone()));
        assert!(diff <= TOLERANCE, "rows {rows:?}: {diff:e}");
    }
}

#[test]
fn rows_attend_to_the_cache_for_the_other_positions() {
    let (model, ids, _) = fixture();
    let ids: Tensor<B, 2, Int> = ids.slice([0..1, 0..24]);
    // A cache of other ids outside rows 8..12: the rows see those, not the ids given.
    let other = ids
        .clone()
        .add_scalar(7)
        .remainder_scalar(390)
        .add_scalar(3);
    let (_, stale) = model.encode_recording(other.clone(), None);
    let rows = 8..12;
    let got = model.encode_rows(ids.clone(), rows.clone(), &stale);
    let with_ids = model.encode(ids.clone(), None).slice([0..1, rows.clone()]);
    let with_other = model.encode(other, None).slice([0..1, rows]);
    assert!(max_diff(got.clone(), with_ids) > 1e-3);
    assert!(max_diff(got, with_other) > 1e-3);
}
