//! Where ModernBERT-base's forward time goes (random weights, 1 x 512): the whole forward
//! with the full MLM head, the encoder alone, and the head alone. Plain wall-clock medians over
//! `--reps` repetitions, alternating variants; the criterion benchmark `forward` gives the
//! headline number. For `perf record`, `--forward-only N` runs N full forwards and nothing else.
//!
//! `cargo run --release -p benches --example modernbert_breakdown -- [--reps N]`

use std::time::Instant;

use burn::backend::Flex;
use burn::tensor::Tensor;
use unmask_modernbert::{Band, KeySource, ScoreBias};

type B = Flex;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn arg(args: &[String], name: &str) -> Option<usize> {
    let i = args.iter().position(|a| a == name)?;
    args.get(i + 1)?.parse().ok()
}

fn main() {
    unmask_runtime::allocator::keep_freed_pages();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let device = Default::default();
    let model = unmask_modernbert::ModernBertConfig::base()
        .init::<B>(&device)
        .expect("ModernBERT-base config");
    let ids = benches::random_ids(1, 512, 50368, 0);
    let input = || benches::ids_tensor::<B>(&ids, 1, &device);
    if let Some(n) = arg(&args, "--forward-only") {
        for _ in 0..n {
            model.forward(input(), None).into_data();
        }
        return;
    }
    let reps = arg(&args, "--reps").unwrap_or(5);
    if args.iter().any(|a| a == "--ops") {
        return ops(&model, reps, &device);
    }
    let hidden = model.encode(input(), None);
    let [batch, seq, h] = hidden.dims();
    let rows: Tensor<B, 2> = hidden.reshape([batch * seq, h]);
    let (mut full, mut encoder, mut head) = (vec![], vec![], vec![]);
    for _ in 0..reps {
        let t = Instant::now();
        model.forward(input(), None).into_data();
        full.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        model.encode(input(), None).into_data();
        encoder.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        model.head_logits(rows.clone()).into_data();
        head.push(t.elapsed().as_secs_f64());
    }
    println!("forward (encoder + full head): {:.3} s", median(full));
    println!("encoder only:                  {:.3} s", median(encoder));
    println!("head only (dense..decoder):    {:.3} s", median(head));
}

/// Each step of one sliding-window layer's forward, timed alone on `[1, 512, 768]`
/// activations, beside the whole attention, MLP and layer.
fn ops(model: &unmask_modernbert::ModernBert<B>, reps: usize, device: &burn::tensor::Device<B>) {
    use burn::tensor::Distribution;
    use burn::tensor::activation::softmax;
    let (len, hidden, heads) = (512, 768, 12);
    let layer = &model.layers[1];
    let x: Tensor<B, 3> = Tensor::random([1, len, hidden], Distribution::Normal(0.0, 1.0), device);
    let time = |name: &str, f: &dyn Fn()| {
        let mut v = vec![];
        for _ in 0..reps {
            let t = Instant::now();
            f();
            v.push(t.elapsed().as_secs_f64() * 1e3);
        }
        println!("{name:<28} {:8.2} ms", median(v));
    };
    let d = hidden / heads;
    let rope = unmask_modernbert::Rope::<B>::new(1e4, d, heads, (0, len), device);
    let qkv = layer.attn.wqkv.forward(x.clone());
    let (q, k) = rope.apply(qkv.clone().narrow(2, 0, 2 * hidden));
    let v = qkv
        .clone()
        .reshape([1, len, 3 * heads, d])
        .swap_dims(1, 2)
        .narrow(1, 2 * heads, heads);
    let scores = q.clone().matmul(k.clone().transpose());
    let bias: Tensor<B, 4> = Tensor::zeros([1, heads, len, len], device);
    let probs = softmax(scores.clone(), 3);
    let context = probs.clone().matmul(v.clone());
    let sliding = ScoreBias::Band(Band::new(64, false, (1, heads, len), None, device).unwrap());
    let half: Tensor<B, 3> = Tensor::random([1, len, 1152], Distribution::Normal(0.0, 1.0), device);
    time("layer norm", &|| {
        drop(layer.mlp_norm.forward(x.clone()).into_data())
    });
    time("Wqkv", &|| {
        drop(layer.attn.wqkv.forward(x.clone()).into_data())
    });
    time("rope on q, k", &|| {
        let (q, k) = rope.apply(qkv.clone().narrow(2, 0, 2 * hidden));
        drop((q.sum().into_data(), k.sum().into_data()));
    });
    time("q k^T", &|| {
        drop(q.clone().matmul(k.clone().transpose()).into_data())
    });
    time("scores + bias", &|| {
        drop((scores.clone() + bias.clone()).into_data())
    });
    time("softmax", &|| drop(softmax(scores.clone(), 3).into_data()));
    time("probs v", &|| {
        drop(probs.clone().matmul(v.clone()).into_data())
    });
    time("context merge heads", &|| {
        drop(
            context
                .clone()
                .swap_dims(1, 2)
                .reshape([1, len, hidden])
                .into_data(),
        )
    });
    time("Wo", &|| drop(layer.attn.wo.forward(x.clone()).into_data()));
    time("act(a) * g", &|| {
        drop((layer.mlp.activation.forward(half.clone()) * half.clone()).into_data())
    });
    time("attention (global)", &|| {
        drop(
            model.layers[0]
                .attn
                .forward(x.clone(), &rope, &ScoreBias::None, KeySource::Own)
                .into_data(),
        )
    });
    time("attention (sliding)", &|| {
        drop(
            layer
                .attn
                .forward(x.clone(), &rope, &sliding, KeySource::Own)
                .into_data(),
        )
    });
    time("mlp", &|| drop(layer.mlp.forward(x.clone()).into_data()));
    time("layer (sliding)", &|| {
        drop(
            layer
                .forward(x.clone(), &rope, &sliding, KeySource::Own)
                .into_data(),
        )
    });
}
