//! Generation: a 256-token canvas (16-token prompt + 240 masks), 10 steps, roberta-base
//! shapes with random weights: the seed's loop and confidence-ordered commits.

use burn::backend::Flex;
use criterion::{Criterion, criterion_group, criterion_main};
use unmask_runtime::denoiser::MaskedLmDenoiser;
use unmask_sampler::{Canvas, NoObserver, PolicyKind, Sampler, SamplerConfig};

type B = Flex;

fn generate(c: &mut Criterion) {
    unmask_runtime::allocator::keep_freed_pages();
    let device = Default::default();
    let model = benches::roberta_base::<B>(&device);
    let mut denoiser = MaskedLmDenoiser::new(model, device);
    let prompt = benches::random_ids(1, 16, 50265, 2);
    let canvas = Canvas::prompted(&prompt, 240, &[], 50264).unwrap();
    let mut group = c.benchmark_group("generate roberta-base 256 tokens 10 steps");
    group.sample_size(10);
    let configs = [
        (
            "seed policy (top-k 50, top-p 0.95)",
            SamplerConfig::seed_experiment(),
        ),
        (
            "prob confidence policy",
            SamplerConfig {
                policy: PolicyKind::Prob,
                steps: 10,
                ..SamplerConfig::default()
            },
        ),
    ];
    for (name, config) in configs {
        let sampler = Sampler::new(SamplerConfig {
            forbidden: vec![0, 1, 2, 3],
            ..config
        })
        .unwrap();
        group.bench_function(name, |b| {
            b.iter(|| {
                sampler
                    .generate(&mut denoiser, vec![canvas.clone()], &mut NoObserver)
                    .unwrap()
                    .nfe
            })
        });
    }
    group.finish();
}

criterion_group!(benches, generate);
criterion_main!(benches);
