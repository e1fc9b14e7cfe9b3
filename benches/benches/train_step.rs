//! One training step (forward + backward + AdamW) at the cpu-small preset's shapes,
//! batch 16 x 128, linear schedule.

use burn::backend::{Autodiff, Flex};
use burn::optim::{AdamWConfig, GradientsParams, Optimizer};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{SeedableRng, rngs::StdRng};
use unmask_roberta::MaskedLm;
use unmask_train::loss::target_loss;

type B = Autodiff<Flex>;

fn train_step(c: &mut Criterion) {
    unmask_runtime::allocator::keep_freed_pages();
    let device = Default::default();
    let (batch, seq) = (16, 128);
    let config = benches::cpu_small_config(seq);
    let mut model: MaskedLm<B> = config.init(&device);
    let mut optim = AdamWConfig::new()
        .with_epsilon(1e-8)
        .init::<B, MaskedLm<B>>();
    let ids = benches::random_ids(batch, seq, config.vocab_size, 1);
    let rows: Vec<&[u32]> = ids.chunks(seq).collect();
    let batcher = benches::linear_batcher();
    let mut rng = StdRng::seed_from_u64(0);
    let mut group = c.benchmark_group("train step cpu-small 16x128");
    group.sample_size(10);
    group.throughput(Throughput::Elements((batch * seq) as u64));
    group.bench_function("forward + backward + AdamW", |b| {
        b.iter(|| {
            let masked = batcher.mask(&rows, &mut rng).unwrap();
            let out = target_loss(&model, &masked, &device);
            let loss = out.loss.clone().into_data();
            let grads = GradientsParams::from_grads(out.loss.backward(), &model);
            model = optim.step(1e-4, model.clone(), grads);
            loss
        })
    });
    group.finish();
}

criterion_group!(benches, train_step);
criterion_main!(benches);
