//! Shared setup of the criterion benchmarks: random-weight models at the shapes the docs
//! compare with PyTorch.

use burn::tensor::{Int, Tensor, TensorData, backend::Backend};
use rand::{Rng, SeedableRng, rngs::StdRng};
use unmask_roberta::{MaskedLm, MaskedLmConfig};
use unmask_schedule::{Linear, LossWeighting, TimeSampler};
use unmask_train::{DiffusionBatcher, Maskable};

// CPU tensors are large, short-lived allocations: mimalloc, told to keep freed pages at the
// start of every benchmark (`unmask_runtime::allocator`), as the binaries are. Every benchmark
// links this crate, so it measures what the binaries run with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// roberta-base shapes without dropout (inference).
pub fn roberta_base<B: Backend>(device: &B::Device) -> MaskedLm<B> {
    let mut config = MaskedLmConfig::roberta_base();
    config.hidden_dropout_prob = 0.0;
    config.attention_probs_dropout_prob = 0.0;
    config.init(device)
}

/// The `cpu-small` preset's shapes: 4 layers, hidden 256, 4 heads, FFN 1024, vocab 8192.
pub fn cpu_small_config(block_len: usize) -> MaskedLmConfig {
    MaskedLmConfig::small_roberta(8192, 256, 4, 4, 1024, block_len)
}

/// Random token ids in `5..vocab` (no special tokens).
pub fn random_ids(batch: usize, seq: usize, vocab: usize, seed: u64) -> Vec<u32> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..batch * seq)
        .map(|_| rng.random_range(5..vocab as u32))
        .collect()
}

pub fn ids_tensor<B: Backend>(ids: &[u32], batch: usize, device: &B::Device) -> Tensor<B, 2, Int> {
    let data: Vec<i64> = ids.iter().map(|&t| t as i64).collect();
    Tensor::from_data(TensorData::new(data, [batch, ids.len() / batch]), device)
}

/// The training benchmarks' batcher: linear schedule, uniform weighting, antithetic time,
/// special ids 0-4 protected, no prompt.
pub fn linear_batcher() -> DiffusionBatcher {
    DiffusionBatcher::new(
        Box::new(Linear::default()),
        LossWeighting::Uniform,
        TimeSampler::antithetic(1e-3).expect("1e-3 is a valid eps"),
        Maskable {
            mask_id: 4,
            protected_ids: vec![0, 1, 2, 3, 4],
            prompt_len: 0,
        },
    )
    .expect("a valid batcher")
}
