//! Cached decoding (Fast-dLLM's block cache, issue #21): 256 tokens after a short prompt in
//! blocks of 32 with `threshold` 0.9, without a cache, with the prefix cache and with the
//! dual cache (throughput in tokens/s; `side_by_side.sh` adds the ratio to uncached); then
//! samples/s of `--num-samples` batches of 1, 8 and 32 canvases under the dual cache, one
//! forward per step for the whole batch. The model: `benches::decoding` (the cpu-small
//! experiments' MiniLM `linear` when trained, else random weights at its shapes).

use burn::backend::Flex;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use unmask_sampler::{CacheMode, NoObserver, Sampler, SamplerConfig};

type B = Flex;

fn decode(c: &mut Criterion) {
    unmask_runtime::allocator::keep_freed_pages();
    let device = Default::default();
    let benches::Decoding {
        mut denoiser,
        canvas,
        config,
        model,
    } = benches::decoding::<B>(&device, benches::DECODE_TOKENS);
    let sampler = |cache| {
        Sampler::new(SamplerConfig {
            cache,
            ..config.clone()
        })
        .expect("a valid sampler")
    };

    let mut group = c.benchmark_group(format!(
        "decode {model} {} tokens blocks of {} threshold {}",
        benches::DECODE_TOKENS,
        benches::DECODE_BLOCK,
        benches::DECODE_THRESHOLD
    ));
    group.sample_size(10);
    group.throughput(Throughput::Elements(benches::DECODE_TOKENS as u64));
    for (name, cache) in [
        ("uncached", None),
        ("prefix cache", Some(CacheMode::Prefix)),
        ("dual cache", Some(CacheMode::Dual)),
    ] {
        let sampler = sampler(cache);
        group.bench_function(name, |b| {
            b.iter(|| {
                sampler
                    .generate(&mut denoiser, vec![canvas.clone()], &mut NoObserver)
                    .expect("decoding")
                    .nfe
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group(format!("decode {model} samples dual cache"));
    group.sample_size(10);
    let sampler = sampler(Some(CacheMode::Dual));
    for batch in [1, 8, 32] {
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_function(format!("batch {batch}"), |b| {
            b.iter(|| {
                sampler
                    .generate(&mut denoiser, vec![canvas.clone(); batch], &mut NoObserver)
                    .expect("decoding")
                    .nfe
            })
        });
    }
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
