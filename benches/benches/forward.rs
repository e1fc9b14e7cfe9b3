//! The masked LMs' forward pass at roberta-base shapes (batch 1 x 256) and ModernBERT-base
//! shapes (1 x 512), random weights.

use burn::backend::Flex;
use burn::nn::transformer::{TransformerEncoderConfig, TransformerEncoderInput};
use burn::tensor::{Distribution, Tensor};
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
    group.finish();
}

criterion_group!(benches, forward, forward_modernbert);
criterion_main!(benches);
