//! Where cached decoding's time goes (the `decode` benchmark's setting: 256 tokens in blocks
//! of 32, `threshold` 0.9, the model of `benches::decoding`). For each of uncached, prefix and
//! dual: the whole run, its model calls split into full passes (uncached), recording passes
//! (the cache's full pass at each block start), row passes (the block, or the block and all
//! after it, against the cache), and the time outside the model (sampling, commits, the
//! sampler's host work). Then one pass of each kind alone, and the LM head alone on a block's
//! rows. Plain wall-clock medians over `--reps` runs, variants alternating; the criterion
//! benchmark `decode` gives the headline numbers.
//!
//! `cargo run --release -p benches --example decode_breakdown -- [--reps N] [--batch N] [--tokens N]`

use std::time::{Duration, Instant};

use burn::backend::Flex;
use burn::tensor::{Int, Tensor, TensorData};
use unmask_sampler::{CacheMode, CacheWindow, Denoiser, NoObserver, Sampler, SamplerConfig};

type B = Flex;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn arg(args: &[String], name: &str, default: usize) -> usize {
    let Some(i) = args.iter().position(|a| a == name) else {
        return default;
    };
    match args.get(i + 1).and_then(|v| v.parse().ok()) {
        Some(v) if v > 0 => v,
        _ => {
            eprintln!("error: {name} needs a positive whole number");
            std::process::exit(2);
        }
    }
}

/// Model time by kind of call.
#[derive(Default, Clone, Copy)]
struct Split {
    full: (usize, Duration),
    recording: (usize, Duration),
    rows: (usize, Duration),
    mixed: (usize, Duration),
}

/// Times every call of the wrapped model by kind.
struct Timed<'a, D> {
    inner: &'a mut D,
    split: Split,
}

impl<D: Denoiser> Denoiser for Timed<'_, D> {
    fn vocab_size(&self) -> usize {
        self.inner.vocab_size()
    }

    fn logits(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        let t = Instant::now();
        let out = self.inner.logits(tokens, positions);
        self.split.full.0 += 1;
        self.split.full.1 += t.elapsed();
        out
    }

    fn logits_cached(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
        windows: &[CacheWindow],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        let t = Instant::now();
        let out = self.inner.logits_cached(tokens, positions, windows);
        let slot = match windows.iter().filter(|w| w.refresh).count() {
            0 => &mut self.split.rows,
            n if n == windows.len() => &mut self.split.recording,
            _ => &mut self.split.mixed,
        };
        slot.0 += 1;
        slot.1 += t.elapsed();
        out
    }
}

fn main() {
    unmask_runtime::allocator::keep_freed_pages();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let reps = arg(&args, "--reps", 3);
    let batch = arg(&args, "--batch", 1);
    let tokens = arg(&args, "--tokens", benches::DECODE_TOKENS);
    let device = Default::default();
    let benches::Decoding {
        mut denoiser,
        canvas,
        config,
        model,
    } = benches::decoding::<B>(&device, tokens);
    let variants = [
        ("uncached", None),
        ("prefix", Some(CacheMode::Prefix)),
        ("dual", Some(CacheMode::Dual)),
    ];
    let samplers: Vec<Sampler> = variants
        .iter()
        .map(|&(_, cache)| {
            Sampler::new(SamplerConfig {
                cache,
                ..config.clone()
            })
            .expect("a valid sampler")
        })
        .collect();
    let mut walls = vec![Vec::new(); variants.len()];
    let mut splits = vec![Vec::new(); variants.len()];
    let mut calls = vec![0; variants.len()];
    let mut last = canvas.clone();
    for _ in 0..reps {
        for (v, sampler) in samplers.iter().enumerate() {
            let mut timed = Timed {
                inner: &mut denoiser,
                split: Split::default(),
            };
            let t = Instant::now();
            let generation = sampler
                .generate(&mut timed, vec![canvas.clone(); batch], &mut NoObserver)
                .expect("decoding");
            walls[v].push(t.elapsed().as_secs_f64());
            splits[v].push(timed.split);
            calls[v] = generation.nfe;
            last = generation.canvases[0].clone();
        }
    }
    println!(
        "model {model}, {tokens} tokens in blocks of {}, threshold {}, batch {batch}, median of {reps}",
        benches::DECODE_BLOCK,
        benches::DECODE_THRESHOLD
    );
    println!(
        "| decoding | total s | tokens/s | x uncached | calls | full passes | recording passes | row passes | outside the model |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let uncached = median(walls[0].clone());
    for (v, (name, _)) in variants.iter().enumerate() {
        let wall = median(walls[v].clone());
        // The run whose wall time is the median, so its parts add up to it.
        let at = walls[v]
            .iter()
            .position(|&w| w == wall)
            .expect("the median is a run");
        let s = splits[v][at];
        let part = |(n, d): (usize, Duration)| {
            if n == 0 {
                "—".to_string()
            } else {
                format!(
                    "{n} x {:.1} ms = {:.2} s",
                    d.as_secs_f64() * 1e3 / n as f64,
                    d.as_secs_f64()
                )
            }
        };
        let model_time = s.full.1 + s.recording.1 + s.rows.1 + s.mixed.1;
        let mut rows = part(s.rows);
        if s.mixed.0 > 0 {
            rows.push_str(&format!(" (+ mixed {})", part(s.mixed)));
        }
        println!(
            "| {name} | {wall:.2} | {:.0} | {:.2} | {} | {} | {} | {rows} | {:.2} s |",
            (tokens * batch) as f64 / wall,
            uncached / wall,
            calls[v],
            part(s.full),
            part(s.recording),
            wall - model_time.as_secs_f64(),
        );
    }
    passes(&denoiser, &last, reps, batch);
}

/// One pass of each kind alone, on a finished canvas (the cache recorded from it), with the
/// middle block's rows: what a call costs before the sampler sees its logits.
fn passes(
    denoiser: &unmask_runtime::denoiser::MaskedLmDenoiser<B>,
    canvas: &unmask_sampler::Canvas,
    reps: usize,
    batch: usize,
) {
    let model = &denoiser.model;
    let device = &denoiser.device;
    let len = canvas.len();
    let generated = canvas.generated_positions();
    let middle = generated.len() / benches::DECODE_BLOCK.max(1) / 2 * benches::DECODE_BLOCK;
    let block: Vec<usize> =
        generated[middle..(middle + benches::DECODE_BLOCK).min(generated.len())].to_vec();
    let ids = || {
        let data: Vec<i64> = (0..batch)
            .flat_map(|_| canvas.tokens().iter().map(|&t| t as i64))
            .collect();
        Tensor::<B, 2, Int>::from_data(TensorData::new(data, [batch, len]), device)
    };
    let (hidden, cache) = model.encode_recording(ids());
    let head_rows = Tensor::<B, 1, Int>::from_data(
        TensorData::new(
            (0..batch * block.len())
                .map(|i| i as i64)
                .collect::<Vec<_>>(),
            [batch * block.len()],
        ),
        device,
    );
    let block_hidden: Tensor<B, 3> = hidden.narrow(1, block[0], block.len());
    let mut kinds: Vec<(String, Vec<f64>)> = vec![
        (format!("full pass, encoder ({len} positions)"), vec![]),
        ("recording pass, encoder".into(), vec![]),
        (
            format!(
                "prefix rows from the middle block ({} positions)",
                len - block[0]
            ),
            vec![],
        ),
        (
            format!("dual rows, the middle block ({} positions)", block.len()),
            vec![],
        ),
        (
            format!("LM head on {} rows + copy to host", batch * block.len()),
            vec![],
        ),
    ];
    for _ in 0..reps {
        let time = |f: &dyn Fn()| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        };
        let runs: [&dyn Fn(); 5] = [
            &|| {
                model.encode(ids(), None).into_data();
            },
            &|| {
                model.encode_recording(ids()).0.into_data();
            },
            &|| {
                let rows = CacheMode::Prefix.rows(&block, len);
                model
                    .encode_rows(ids(), rows, &cache)
                    .expect("rows")
                    .into_data();
            },
            &|| {
                let rows = CacheMode::Dual.rows(&block, len);
                model
                    .encode_rows(ids(), rows, &cache)
                    .expect("rows")
                    .into_data();
            },
            &|| {
                model
                    .logits_at(block_hidden.clone(), head_rows.clone())
                    .into_data();
            },
        ];
        for (kind, run) in kinds.iter_mut().zip(runs) {
            kind.1.push(time(run));
        }
    }
    println!();
    println!("one pass alone, batch {batch}, median of {reps}:");
    for (name, times) in kinds {
        println!("  {name:<52} {:8.1} ms", median(times));
    }
}
