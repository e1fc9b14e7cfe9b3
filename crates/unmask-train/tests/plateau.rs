//! The backbone decides whether a small masked LM leaves the unigram plateau. The toy task
//! of `experiments/pilots/plateau_pytorch.py`: text of doubled letters ("aabbkk..."), so
//! every masked letter equals a neighbour; 15% masking, hidden 64, 2 layers, AdamW 2e-3,
//! batch 32 x 64. A post-LN RoBERTa with learned absolute positions sits at ln 26 = 3.26
//! (in PyTorch for 500 steps); a pre-LN ModernBERT with rotary positions leaves it within
//! ~75 steps there. This test trains the burn ModernBERT the same way and requires it to
//! leave the plateau; RoBERTa's loss is printed beside it.

use burn::backend::{Autodiff, Flex};
use burn::module::AutodiffModule;
use burn::optim::{AdamWConfig, GradientsParams, Optimizer};
use burn::tensor::backend::Backend;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use unmask_modernbert::ModernBertConfig;
use unmask_roberta::MaskedLmConfig;
use unmask_train::batcher::TrainBatch;
use unmask_train::loss::target_loss;
use unmask_train::token_predictor::TokenPredictor;

type B = Autodiff<Flex>;

const VOCAB: usize = 261;
const MASK: u32 = 4;
const BATCH: usize = 32;
const LEN: usize = 64;

fn doubled_letters(rng: &mut ChaCha8Rng) -> Vec<u32> {
    (0..100_000)
        .flat_map(|_| {
            let letter = 5 + u32::from(b'a') + rng.random_range(0..26u32);
            [letter, letter]
        })
        .collect()
}

fn batch(text: &[u32], rng: &mut ChaCha8Rng) -> TrainBatch {
    let mut b = TrainBatch {
        batch: BATCH,
        seq: LEN,
        input_ids: Vec::new(),
        masked_positions: Vec::new(),
        targets: Vec::new(),
        weights: Vec::new(),
        normalizer: 0.0,
        t: vec![0.15; BATCH],
        mask_rates: vec![0.15; BATCH],
    };
    for row in 0..BATCH {
        let start = rng.random_range(0..text.len() - LEN);
        for (col, &token) in text[start..start + LEN].iter().enumerate() {
            if rng.random::<f64>() < 0.15 {
                b.input_ids.push(MASK);
                b.masked_positions.push(row * LEN + col);
                b.targets.push(token);
                b.weights.push(1.0);
            } else {
                b.input_ids.push(token);
            }
        }
    }
    b.normalizer = b.targets.len().max(1) as f32;
    b
}

/// Mean training loss over the last 25 of `steps` steps.
fn train<M: AutodiffModule<B> + TokenPredictor<B>>(mut model: M, steps: usize) -> f64 {
    let device = Default::default();
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let text = doubled_letters(&mut rng);
    let mut optim = AdamWConfig::new()
        .with_beta_2(0.98)
        .with_epsilon(1e-8)
        .with_weight_decay(0.01)
        .init::<B, M>();
    let mut tail = Vec::new();
    for step in 0..steps {
        let lr = 2e-3 * ((step + 1) as f64 / 20.0).min(1.0);
        let loss = target_loss(&model, &batch(&text, &mut rng), &device).loss;
        let value: f64 = loss.clone().into_scalar() as f64;
        if step + 25 >= steps {
            tail.push(value);
        }
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(lr, model, grads);
    }
    tail.iter().sum::<f64>() / tail.len() as f64
}

#[test]
fn modernbert_leaves_the_plateau_where_roberta_sits() {
    let device = Default::default();
    let steps = 150;
    B::seed(&device, 0);
    let mut modern = ModernBertConfig::small(VOCAB, 64, 2, 2, 256, LEN);
    modern.pad_token_id = 1;
    let modern_loss = train(modern.init::<B>(&device).unwrap(), steps);
    B::seed(&device, 0);
    let mut roberta = MaskedLmConfig::small_roberta(VOCAB, 64, 2, 2, 256, LEN);
    roberta.hidden_dropout_prob = 0.0;
    roberta.attention_probs_dropout_prob = 0.0;
    let roberta_loss = train(roberta.init::<B>(&device), steps);
    eprintln!(
        "mean loss over steps {}..{steps}: ModernBERT {modern_loss:.3}, RoBERTa {roberta_loss:.3} \
         (plateau ln 26 = {:.3})",
        steps - 25,
        26f64.ln()
    );
    assert!(
        modern_loss < 2.9,
        "ModernBERT still on the plateau after {steps} steps: {modern_loss:.3}"
    );
}
