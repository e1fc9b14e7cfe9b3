//! Where the evaluation masks come from, spelled out so that every model is measured on the
//! same masks.
//!
//! Draw `d` (a quadrature node, or a mask rate of a sweep) of sequence `s` has its own
//! ChaCha8 stream keyed by (seed, purpose, d) with stream number s. The mask of a sequence
//! therefore depends only on the seed, the purpose, the draw, the sequence's index and its
//! tokens: not on the model, the batch size, or the other sequences. The draw itself is
//! [`unmask_schedule::Maskable::draw`], the one the trainer's batcher makes.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What a draw is for; part of the stream key so the sweeps do not share numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskPurpose {
    /// `perplexity_bound`, draw = quadrature node index.
    Bound,
    /// `loss_by_mask_rate`, draw = index into the rates.
    RateSweep,
}

/// The random stream that masks sequence `sequence` in draw `draw`.
pub fn mask_rng(seed: u64, purpose: MaskPurpose, draw: usize, sequence: usize) -> ChaCha8Rng {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&(draw as u64).to_le_bytes());
    key[16] = match purpose {
        MaskPurpose::Bound => 1,
        MaskPurpose::RateSweep => 2,
    };
    let mut rng = ChaCha8Rng::from_seed(key);
    rng.set_stream(sequence as u64);
    rng
}

#[cfg(test)]
mod tests {
    use rand::Rng;

    use super::*;

    #[test]
    fn streams_differ_by_every_key_part_and_repeat_for_the_same_key() {
        let first =
            |seed, purpose, draw, sequence| mask_rng(seed, purpose, draw, sequence).random::<u64>();
        let base = first(7, MaskPurpose::Bound, 3, 5);
        assert_eq!(base, first(7, MaskPurpose::Bound, 3, 5));
        assert_ne!(base, first(8, MaskPurpose::Bound, 3, 5));
        assert_ne!(base, first(7, MaskPurpose::RateSweep, 3, 5));
        assert_ne!(base, first(7, MaskPurpose::Bound, 4, 5));
        assert_ne!(base, first(7, MaskPurpose::Bound, 3, 6));
    }
}
