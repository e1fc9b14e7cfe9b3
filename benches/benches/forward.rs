//! The masked LMs' forward pass at roberta-base shapes (batch 1 x 256) and ModernBERT-base
//! shapes (1 x 512), random weights.

use burn::backend::Flex;
use burn::nn::transformer::{TransformerEncoderConfig, TransformerEncoderInput};
use burn::tensor::{Distribution, Tensor};
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

type B = Flex;

fn forward(c: &mut Criterion) {
    unmask_runtime::allocator::keep_freed_pages();
    let device = Default::default();
    let model = benches::roberta_base::<B>(&device);
    let ids = benches::random_ids(1, 256, 50265, 0);
    let mut group = c.benchmark_group("forward roberta-base 1x256");
    group.sample_size(10);
    group.bench_function("encoder + full MLM head", |b| {
        b.iter(|| {
            let input = benches::ids_tensor::<B>(&ids, 1, &device);
            model.forward(input, None, None).into_data()
        })
    });
    group.bench_function("encoder only", |b| {
        b.iter(|| {
            let input = benches::ids_tensor::<B>(&ids, 1, &device);
            model.encode(input, None, None).into_data()
        })
    });
    // Reference point: burn-nn's own encoder at the same shapes (no embeddings, no head).
    let reference = TransformerEncoderConfig::new(768, 3072, 12, 12)
        .with_dropout(0.0)
        .init::<B>(&device);
    let hidden: Tensor<B, 3> =
        Tensor::random([1, 256, 768], Distribution::Normal(0.0, 1.0), &device);
    group.bench_function("burn-nn TransformerEncoder (reference)", |b| {
        b.iter(|| {
            reference
                .forward(TransformerEncoderInput::new(hidden.clone()))
                .into_data()
        })
    });
    group.finish();
}

/// ModernBERT-base's shapes (random weights; 22 layers, global attention every third layer,
/// 128-token windows elsewhere), 1 x 512, the full MLM head: side_by_side.sh's goal is
/// <= 0.9x transformers.
fn forward_modernbert(c: &mut Criterion) {
    unmask_runtime::allocator::keep_freed_pages();
    let device = Default::default();
    let model = unmask_modernbert::ModernBertConfig::base()
        .init::<B>(&device)
        .expect("ModernBERT-base config");
    let ids = benches::random_ids(1, 512, 50368, 0);
    let mut group = c.benchmark_group("forward modernbert-base 1x512");
    group.sample_size(10);
    group.bench_function("encoder + full MLM head", |b| {
        b.iter(|| {
            let input = benches::ids_tensor::<B>(&ids, 1, &device);
            model.forward(input, None).into_data()
        })
    });
    // The floor the matmul kernel sets: the forward's weight matmuls alone, on operands of
    // the forward's shapes (attention's q k^T and p v at full width in every layer, an upper
    // bound for the sliding layers), no other op.
    let config = model.config();
    let (len, hidden, inner) = (512, config.hidden_size, config.intermediate_size);
    let heads = config.num_attention_heads;
    let normal = Distribution::Normal(0.0, 0.02);
    let matrix = |rows: usize, cols: usize| Tensor::<B, 2>::random([rows, cols], normal, &device);
    let x = matrix(len, hidden);
    let (wqkv, wo, wi, wo2) = (
        matrix(hidden, 3 * hidden),
        matrix(hidden, hidden),
        matrix(hidden, 2 * inner),
        matrix(inner, hidden),
    );
    let mlp_half = matrix(len, inner);
    let q = Tensor::<B, 3>::random([heads, len, hidden / heads], normal, &device);
    let scores = Tensor::<B, 3>::random([heads, len, len], normal, &device);
    let head = matrix(hidden, hidden);
    let decoder = model.tok_embeddings.weight.val().transpose();
    group.bench_function("weight and attention matmuls alone", |b| {
        // Flex runs each op when called; black_box keeps every product.
        b.iter(|| {
            for _ in 0..config.num_hidden_layers {
                black_box(x.clone().matmul(wqkv.clone()));
                black_box(q.clone().matmul(q.clone().transpose()));
                black_box(scores.clone().matmul(q.clone()));
                black_box(x.clone().matmul(wo.clone()));
                black_box(x.clone().matmul(wi.clone()));
                black_box(mlp_half.clone().matmul(wo2.clone()));
            }
            black_box(x.clone().matmul(head.clone()));
            black_box(x.clone().matmul(decoder.clone()));
        })
    });
    group.finish();
}

criterion_group!(benches, forward, forward_modernbert);
criterion_main!(benches);
