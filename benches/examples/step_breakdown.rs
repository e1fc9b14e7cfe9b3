//! Where a cpu-small training step (16 x 128, linear schedule) spends its time: forward,
//! backward, AdamW. Plain wall-clock means over `--steps` steps after one warm-up step; use
//! the criterion benchmark `train_step` for the headline number.
//!
//! `cargo run --release -p benches --example step_breakdown -- [--steps N] [--no-dropout]`

use std::time::Instant;

use burn::backend::{Autodiff, Flex};
use burn::optim::{AdamWConfig, GradientsParams, Optimizer};
use rand::{SeedableRng, rngs::StdRng};
use unmask_roberta::MaskedLm;
use unmask_train::loss::target_loss;

type B = Autodiff<Flex>;

fn main() {
    unmask_runtime::allocator::keep_freed_pages();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let steps = match args.iter().position(|a| a == "--steps") {
        Some(i) => match args.get(i + 1).and_then(|v| v.parse::<usize>().ok()) {
            Some(n) if n > 0 => n,
            _ => {
                eprintln!("--steps needs a positive integer");
                std::process::exit(2);
            }
        },
        None => 8,
    };
    let device = Default::default();
    let (batch, seq) = (16, 128);
    let mut config = benches::cpu_small_config(seq);
    if args.iter().any(|a| a == "--no-dropout") {
        config.hidden_dropout_prob = 0.0;
        config.attention_probs_dropout_prob = 0.0;
    }
    let mut model: MaskedLm<B> = config.init(&device);
    let mut optim = AdamWConfig::new()
        .with_epsilon(1e-8)
        .init::<B, MaskedLm<B>>();
    let ids = benches::random_ids(batch, seq, config.vocab_size, 1);
    let rows: Vec<&[u32]> = ids.chunks(seq).collect();
    let batcher = benches::linear_batcher();
    let mut rng = StdRng::seed_from_u64(0);
    let mut totals = [0.0f64; 3];
    for step in 0..=steps {
        let start = Instant::now();
        let masked = batcher.mask(&rows, &mut rng).expect("maskable rows");
        let out = target_loss(&model, &masked, &device);
        let _ = out.loss.clone().into_data();
        let forward = start.elapsed().as_secs_f64();
        let grads = GradientsParams::from_grads(out.loss.backward(), &model);
        let backward = start.elapsed().as_secs_f64();
        model = optim.step(1e-4, model.clone(), grads);
        let _ = model
            .embeddings
            .word
            .weight
            .val()
            .slice([0..1, 0..1])
            .into_data();
        let total = start.elapsed().as_secs_f64();
        if step > 0 {
            totals[0] += forward;
            totals[1] += backward - forward;
            totals[2] += total - backward;
        }
    }
    let [forward, backward, adamw] = totals.map(|t| t / steps as f64);
    let step = forward + backward + adamw;
    println!("mean of {steps} steps, batch {batch} x {seq}:");
    println!("  forward (with masking and loss)  {forward:.3} s");
    println!("  backward                         {backward:.3} s");
    println!("  AdamW                            {adamw:.3} s");
    println!(
        "  step                             {step:.3} s  ({:.0} tokens/s)",
        (batch * seq) as f64 / step
    );
}
