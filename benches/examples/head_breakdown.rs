//! Where the MLM head's time goes at roberta-base shapes (random weights, 1 x 256): the
//! encoder, the head's dense + GELU + LayerNorm, the vocabulary matmul against the tied
//! word-embedding matrix, the bias add and the copy to the host. Plain wall-clock medians over
//! `--reps` repetitions (alternating variants, so a busy machine slows each alike); use the
//! criterion benchmark `forward` for the headline numbers.
//!
//! It also times alternatives: the matmul against a contiguous `[hidden, vocab]` copy (what
//! the tied parameter's strided view costs), `W x h^T`, vocabulary chunks, and a FFN-shaped
//! matmul of the same FLOPs for the backend's matmul rate in the same sitting.
//!
//! `cargo run --release -p benches --example head_breakdown -- [--reps N]`
//!
//! For `perf record`: `-- --head-only N` runs the head's vocabulary matmul (+ copy to the host)
//! N times after building the model; add `--wt` (contiguous copy), `--wxh` (`W x h^T`) or
//! `--encoder` (the encoder instead). Subtract a `--head-only 0` run for the set-up.

use std::time::Instant;

use burn::backend::Flex;
use burn::tensor::Tensor;

type B = Flex;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    unmask_runtime::allocator::keep_freed_pages();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let reps = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(5);
    let device = Default::default();
    let model = benches::roberta_base::<B>(&device);
    let ids = benches::random_ids(1, 256, 50265, 0);
    let hidden = model.encode(benches::ids_tensor::<B>(&ids, 1, &device), None, None);
    let [batch, seq, h] = hidden.dims();
    let rows: Tensor<B, 2> = hidden.reshape([batch * seq, h]);
    let weight = model.embeddings.word.weight.val();
    let weight_t = weight.clone().transpose().into_data();
    let weight_t: Tensor<B, 2> = Tensor::from_data(weight_t, &device);
    let bias = model.head.bias.val();
    let pre = {
        let head = &model.head;
        head.layer_norm
            .forward(head.activation.forward(head.dense.forward(rows.clone())))
    };
    let ffn: Tensor<B, 2> = Tensor::random(
        [h, 4 * h],
        burn::tensor::Distribution::Normal(0.0, 0.02),
        &device,
    );
    if let Some(n) = args
        .iter()
        .position(|a| a == "--head-only")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse::<usize>().ok())
    {
        // For `perf record`: the head alone, n times (`--wt`: against a contiguous W^T copy).
        let wt = args.iter().any(|a| a == "--wt");
        let pre = {
            let head = &model.head;
            head.layer_norm
                .forward(head.activation.forward(head.dense.forward(rows.clone())))
        };
        let encoder = args.iter().any(|a| a == "--encoder");
        for _ in 0..n {
            if encoder {
                let _ = model
                    .encode(benches::ids_tensor::<B>(&ids, 1, &device), None, None)
                    .into_data();
            } else if args.iter().any(|a| a == "--wxh") {
                let _ = weight
                    .clone()
                    .matmul(pre.clone().transpose())
                    .transpose()
                    .into_data();
            } else if wt {
                let _ = pre.clone().matmul(weight_t.clone()).into_data();
            } else {
                let _ = pre.clone().matmul(weight.clone().transpose()).into_data();
            }
        }
        return;
    }
    let flop = 2.0 * (batch * seq) as f64 * h as f64 * model.config().vocab_size as f64;

    let mut times: Vec<(&str, Vec<f64>)> = [
        "encoder (1 x 256)",
        "head: dense + GELU + LayerNorm",
        "matmul h x W^T (strided view of the parameter)",
        "matmul h x W^T (contiguous [hidden, vocab] copy)",
        "bias add",
        "head_logits (all of the head)",
        "logits to host (into_data)",
        "matmul W x h^T ([vocab, n] out, transposed view back)",
        "matmul h x W^T in vocab chunks of 8192, then cat",
        "matmul h x W^T in vocab chunks of 2048, then cat",
        "matmul FFN-shaped 256 x 768 x 3072 (x16 = 19.3 GFLOP)",
        "forward (encoder + full head) + into_data, as benches/forward",
    ]
    .into_iter()
    .map(|name| (name, Vec::new()))
    .collect();
    for _ in 0..reps {
        let mut lap = |i: usize, f: &mut dyn FnMut()| {
            let start = Instant::now();
            f();
            times[i].1.push(start.elapsed().as_secs_f64());
        };
        lap(0, &mut || {
            let _ = model
                .encode(benches::ids_tensor::<B>(&ids, 1, &device), None, None)
                .slice([0..1, 0..1, 0..1])
                .into_data();
        });
        lap(1, &mut || {
            let head = &model.head;
            let _ = head
                .layer_norm
                .forward(head.activation.forward(head.dense.forward(rows.clone())));
        });
        let mut logits = None;
        lap(2, &mut || {
            logits = Some(pre.clone().matmul(weight.clone().transpose()));
        });
        lap(3, &mut || {
            let _ = pre.clone().matmul(weight_t.clone());
        });
        let logits = logits.unwrap();
        lap(4, &mut || {
            let _ = logits.clone() + bias.clone().unsqueeze::<2>();
        });
        let mut full = None;
        lap(5, &mut || full = Some(model.head_logits(rows.clone())));
        let full = full.unwrap();
        lap(6, &mut || {
            let _ = full.clone().into_data();
        });
        lap(7, &mut || {
            let _ = weight.clone().matmul(pre.clone().transpose()).transpose();
        });
        for (i, chunk) in [(8, 8192), (9, 2048)] {
            lap(i, &mut || {
                let vocab = model.config().vocab_size;
                let parts: Vec<Tensor<B, 2>> = (0..vocab)
                    .step_by(chunk)
                    .map(|s| {
                        let w = weight.clone().slice([s..(s + chunk).min(vocab), 0..h]);
                        pre.clone().matmul(w.transpose())
                    })
                    .collect();
                let _ = Tensor::cat(parts, 1);
            });
        }
        lap(11, &mut || {
            let _ = model
                .forward(benches::ids_tensor::<B>(&ids, 1, &device), None, None)
                .into_data();
        });
        lap(10, &mut || {
            for _ in 0..16 {
                let _ = pre.clone().matmul(ffn.clone());
            }
        });
    }
    for (name, t) in times {
        let m = median(t);
        if name.starts_with("matmul FFN") {
            let ffn_flop = 16.0 * 2.0 * (batch * seq) as f64 * h as f64 * 4.0 * h as f64;
            println!(
                "{name:<50} {:>8.1} ms  {:>6.1} GFLOP/s",
                m * 1e3,
                ffn_flop / m / 1e9
            );
        } else if name.starts_with("matmul") {
            println!(
                "{name:<50} {:>8.1} ms  {:>6.1} GFLOP/s",
                m * 1e3,
                flop / m / 1e9
            );
        } else {
            println!("{name:<50} {:>8.1} ms", m * 1e3);
        }
    }
}
