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

/// The trained model the decoding benchmarks use when it is there: all-MiniLM-L6-v2
/// fine-tuned with the `linear` schedule by the cpu-small experiments
/// (`cargo run --release -p experiments -- bert-vs-diffusion --preset cpu-small`), whose
/// confidences mean something, so `threshold` commits several tokens a step as it would in use.
pub const DECODING_MODEL: &str = "runs/cpu-small/models/pretrained-linear/final";
/// Names another model directory for the decoding benchmarks.
pub const DECODING_MODEL_VAR: &str = "UNMASK_BENCH_MODEL";
/// Tokens generated, block length and confidence threshold of the decoding benchmarks.
pub const DECODE_TOKENS: usize = 256;
pub const DECODE_BLOCK: usize = 32;
pub const DECODE_THRESHOLD: f64 = 0.9;

/// What the decoding benchmarks run: a model behind the sampler, one canvas (`[CLS]`, a short
/// prompt, `tokens` masks, `[SEP]`; [`DECODE_TOKENS`] in the benchmark), and the sampler
/// without a cache.
pub struct Decoding<B: Backend> {
    pub denoiser: unmask_runtime::denoiser::MaskedLmDenoiser<B>,
    pub canvas: unmask_sampler::Canvas,
    /// `threshold` 0.9 in blocks of 32, one step per token at most (a budget that never forces
    /// a commit), the experiments' top-k, top-p and forbidden tokens.
    pub config: unmask_sampler::SamplerConfig,
    /// Which model: `minilm-linear` (trained) or `random-minilm` (the fallback).
    pub model: &'static str,
}

/// [`DECODING_MODEL`] (or the directory in `UNMASK_BENCH_MODEL`); when the default is missing,
/// random weights at all-MiniLM-L6-v2's shapes, said on stderr: a random head is never 0.9
/// sure, so `threshold` then commits one token a step. A named directory that does not load
/// ends the process with the reason.
pub fn decoding<B: Backend>(device: &B::Device, tokens: usize) -> Decoding<B> {
    use unmask_runtime::measure::samples::prompt_canvas;
    use unmask_runtime::measure::{MaskedModel, TOP_K, TOP_P, diffusion_config};
    use unmask_sampler::{PolicyKind, SamplerConfig};
    let named = std::env::var_os(DECODING_MODEL_VAR).map(std::path::PathBuf::from);
    let dir = named.clone().unwrap_or_else(|| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(DECODING_MODEL)
    });
    if named.is_some() || dir.join("config.json").is_file() {
        let loaded = MaskedModel::<B>::load(&dir, device).and_then(|model| {
            let canvas = prompt_canvas(&model, "The Congress", tokens)?;
            Ok((model, canvas))
        });
        let (model, canvas) = loaded.unwrap_or_else(|e| {
            eprintln!(
                "error: the decoding benchmark's model {}: {e:#}",
                dir.display()
            );
            std::process::exit(1);
        });
        let config = SamplerConfig {
            threshold: Some(DECODE_THRESHOLD),
            block_len: Some(DECODE_BLOCK),
            ..diffusion_config(&model, PolicyKind::Threshold, tokens, 0)
        };
        eprintln!("decoding benchmark: the trained model {}", dir.display());
        return Decoding {
            denoiser: model.denoiser,
            canvas,
            config,
            model: "minilm-linear",
        };
    }
    eprintln!(
        "decoding benchmark: no trained model at {} (train it with `cargo run --release -p \
         experiments -- bert-vs-diffusion --preset cpu-small`, or name one in {DECODING_MODEL_VAR}); \
         using random weights at all-MiniLM-L6-v2's shapes, whose confidences never reach \
         {DECODE_THRESHOLD}: `threshold` commits one token a step",
        dir.display()
    );
    let mut config = MaskedLmConfig::small_roberta(30522, 384, 6, 12, 1536, 512);
    config.hidden_dropout_prob = 0.0;
    config.attention_probs_dropout_prob = 0.0;
    let (cls, sep, mask) = (101, 102, 103);
    let mut prefix = vec![cls];
    prefix.extend(random_ids(1, 3, 30522, 7));
    let canvas =
        unmask_sampler::Canvas::prompted(&prefix, tokens, &[sep], mask).expect("a valid canvas");
    Decoding {
        denoiser: unmask_runtime::denoiser::MaskedLmDenoiser::new(
            config.init(device),
            device.clone(),
        ),
        canvas,
        config: SamplerConfig {
            policy: PolicyKind::Threshold,
            steps: tokens,
            threshold: Some(DECODE_THRESHOLD),
            block_len: Some(DECODE_BLOCK),
            top_k: Some(TOP_K),
            top_p: Some(TOP_P),
            forbidden: vec![0, 100, cls, sep],
            ..SamplerConfig::default()
        },
        model: "random-minilm",
    }
}
