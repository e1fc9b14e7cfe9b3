//! The evaluator masks through the rule the trainer's batcher masks through
//! (`unmask_schedule::Maskable::draw`): the bound and the rate sweep must ask the model about
//! exactly the positions that draw gives on each sequence's stream, and no others.

mod common;

use std::sync::Arc;

use common::{KnowsTruth, MASK};
use unmask_eval::mask_draw::{MaskPurpose, mask_rng};
use unmask_eval::{
    BoundOptions, MaskingOptions, TimeQuadrature, loss_by_mask_rate, perplexity_bound,
};
use unmask_schedule::{Linear, MaskRates, Maskable, RatesOver};

const VOCAB: usize = 12;
const PROTECTED: u32 = 5;
const SEED: u64 = 9;

/// Varied text holding a protected token and, once, the mask id.
fn sequences() -> Vec<Vec<u32>> {
    (0..6)
        .map(|s| {
            (0..30)
                .map(|p| match (s, p) {
                    (2, 7) => MASK,
                    _ => 1 + ((s * 5 + p * 7) % (VOCAB - 1)) as u32,
                })
                .collect()
        })
        .collect()
}

fn masking() -> MaskingOptions {
    MaskingOptions::new(MASK)
        .with_protected_ids([PROTECTED])
        .with_prompt_len(3)
        .with_seed(SEED)
        .with_batch_size(4)
}

fn asked(model: &KnowsTruth) -> Vec<Vec<usize>> {
    model
        .seen()
        .into_iter()
        .map(|(canvas, positions)| {
            assert!(positions.iter().all(|&p| canvas[p] == MASK));
            positions
        })
        .collect()
}

#[test]
fn the_bound_masks_what_the_shared_draw_gives() {
    let sequences = sequences();
    let maskable = masking().maskable;
    let nodes = 6;
    let mut model = KnowsTruth::new(VOCAB, 0.5);
    let options = BoundOptions::new(MASK)
        .with_schedule(Arc::new(Linear::default()))
        .with_masking(masking())
        .with_quadrature_nodes(nodes);
    perplexity_bound(&mut model, &sequences, &options).unwrap();
    let mut expected = Vec::new();
    for (node, &t) in TimeQuadrature::gauss_legendre(nodes)
        .unwrap()
        .nodes()
        .iter()
        .enumerate()
    {
        for (sequence, tokens) in sequences.iter().enumerate() {
            let rates = MaskRates::Schedule {
                schedule: &Linear::default(),
                t,
                over: RatesOver::Maskable,
            };
            let mut rng = mask_rng(SEED, MaskPurpose::Bound, node, sequence);
            let masked = maskable.draw(tokens, rates, &mut rng).masked;
            if !masked.is_empty() {
                expected.push(masked);
            }
        }
    }
    assert!(!expected.is_empty());
    assert_eq!(asked(&model), expected);
}

#[test]
fn the_rate_sweep_masks_what_the_shared_draw_gives() {
    let sequences = sequences();
    let maskable: Maskable = masking().maskable;
    let rates = [0.2, 0.5, 0.9];
    let mut model = KnowsTruth::new(VOCAB, 0.5);
    loss_by_mask_rate(&mut model, &sequences, &rates, &masking()).unwrap();
    let mut expected = Vec::new();
    for (draw, &rate) in rates.iter().enumerate() {
        for (sequence, tokens) in sequences.iter().enumerate() {
            let mut rng = mask_rng(SEED, MaskPurpose::RateSweep, draw, sequence);
            let masked = maskable
                .draw(tokens, MaskRates::Fixed(rate), &mut rng)
                .masked;
            // Never the prompt, the protected token or the mask id the text holds.
            assert!(
                masked
                    .iter()
                    .all(|&p| p >= 3 && ![PROTECTED, MASK].contains(&tokens[p]))
            );
            if !masked.is_empty() {
                expected.push(masked);
            }
        }
    }
    assert_eq!(asked(&model), expected);
}
