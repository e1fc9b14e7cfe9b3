//! The KV cache changes the cost of decoding, never its result.

mod common;

use burn::tensor::Tensor;
use common::*;
use unmask_gpt2::Gpt2Error;

const TOLERANCE: f32 = 1e-5;

/// Feeds `ids` (batch 1) to the cache in chunks of the given sizes; returns all logits.
fn cached_logits(model: &unmask_gpt2::Gpt2LmHead<B>, ids: &[u32], chunks: &[usize]) -> Vec<f32> {
    let mut cache = model.new_cache();
    let mut out = Vec::new();
    let mut start = 0;
    for &n in chunks {
        let logits = model
            .forward_cached(ids_tensor(&ids[start..start + n], 1), &mut cache)
            .unwrap();
        assert_eq!(logits.dims(), [1, n, model.config().vocab_size]);
        out.extend(values(logits));
        start += n;
        assert_eq!(cache.len(), start);
    }
    assert_eq!(start, ids.len());
    out
}

#[test]
fn token_by_token_decoding_equals_the_uncached_forward() {
    for model in [tiny(), random_model(97)] {
        let vocab = model.config().vocab_size;
        let ids = pseudo_ids(40, vocab, 1);
        let full = values(model.forward(ids_tensor(&ids, 1)));
        let stepped = cached_logits(&model, &ids, &[1; 40]);
        let d = max_abs_diff(&full, &stepped);
        assert!(d <= TOLERANCE, "step-by-step logits differ by {d}");
    }
}

#[test]
fn chunked_prefill_equals_the_uncached_forward() {
    let model = tiny();
    let ids = pseudo_ids(64, model.config().vocab_size, 2);
    let full = values(model.forward(ids_tensor(&ids, 1)));
    for chunks in [vec![64], vec![10, 1, 20, 33], vec![1, 62, 1], vec![32, 32]] {
        let d = max_abs_diff(&full, &cached_logits(&model, &ids, &chunks));
        assert!(d <= TOLERANCE, "chunks {chunks:?}: logits differ by {d}");
    }
}

#[test]
fn batched_cache_matches_each_row() {
    let model = tiny();
    let vocab = model.config().vocab_size;
    let ids = pseudo_ids(2 * 12, vocab, 3);
    let full = values(model.forward(ids_tensor(&ids, 2)));
    let mut cache = model.new_cache();
    let first = model
        .forward_cached(
            ids_tensor(&[&ids[0..5], &ids[12..17]].concat(), 2),
            &mut cache,
        )
        .unwrap();
    let second = model
        .forward_cached(
            ids_tensor(&[&ids[5..12], &ids[17..24]].concat(), 2),
            &mut cache,
        )
        .unwrap();
    let joined = values(Tensor::cat(vec![first, second], 1));
    let d = max_abs_diff(&full, &joined);
    assert!(d <= TOLERANCE, "batched cached logits differ by {d}");
}

#[test]
fn passing_n_positions_is_an_error_and_leaves_the_cache_usable() {
    let model = tiny();
    let max = model.config().n_positions;
    let ids = pseudo_ids(max, model.config().vocab_size, 4);
    let mut cache = model.new_cache();
    model
        .forward_cached(ids_tensor(&ids[..max - 1], 1), &mut cache)
        .unwrap();
    let err = model
        .forward_cached(ids_tensor(&ids[..2], 1), &mut cache)
        .unwrap_err();
    assert!(
        matches!(err, Gpt2Error::SequenceTooLong { len, max: m } if len == max + 1 && m == max),
        "{err}"
    );
    assert_eq!(cache.len(), max - 1);
    assert_eq!(cache.remaining(), 1);
    model
        .forward_cached(ids_tensor(&ids[max - 1..], 1), &mut cache)
        .unwrap();
    assert_eq!(cache.remaining(), 0);
}

#[test]
fn a_changed_batch_size_is_an_error_until_cleared() {
    let model = tiny();
    let mut cache = model.new_cache();
    model
        .forward_cached(ids_tensor(&[1, 2, 3, 4], 2), &mut cache)
        .unwrap();
    let err = model
        .forward_cached(ids_tensor(&[5], 1), &mut cache)
        .unwrap_err();
    assert!(err.to_string().contains("batch"), "{err}");
    cache.clear();
    assert!(cache.is_empty());
    model
        .forward_cached(ids_tensor(&[5], 1), &mut cache)
        .unwrap();
}

#[test]
fn a_cache_from_another_model_is_rejected() {
    let small = random_model(50);
    let mut config = small.config().clone();
    config.n_layer = 3;
    let deeper = config.init::<B>(&Default::default()).unwrap();
    let mut cache = small.new_cache();
    let err = deeper
        .forward_cached(ids_tensor(&[1], 1), &mut cache)
        .unwrap_err();
    assert!(err.to_string().contains("new_cache"), "{err}");
}
