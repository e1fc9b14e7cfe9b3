//! Training's randomness, in one place. Every draw comes from a ChaCha stream named by the run
//! seed, what it is for ([`Purpose`]) and an index (epoch, micro-batch, evaluation batch), so a
//! run is reproduced from its seed alone and a resumed run continues exactly where it stopped.
//! The generators are named ChaCha types, not rand's `StdRng`/`SmallRng`, whose algorithms
//! rand documents may change between versions. (The samplers' streams are in
//! `unmask_sampler::rng`, also ChaCha.)

use rand::SeedableRng;
use rand_chacha::{ChaCha8Rng, ChaCha12Rng};

/// What a training stream draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The backend's own generator (parameter init, device-side dropout).
    Backend = 0,
    /// The order of the training blocks, one permutation per epoch.
    BlockOrder = 1,
    /// The masks (or other batch randomness) of one training micro-batch.
    TrainBatch = 2,
    /// The backend generator re-seeded before each micro-batch's forward pass.
    TrainForward = 3,
    /// The masks of one validation batch (the same at every evaluation).
    EvalBatch = 4,
}

/// The 64-bit seed of stream (`seed`, `purpose`, `index`): a SplitMix-style finaliser over
/// the three, so neighbouring indices give unrelated seeds.
pub fn derive_seed(seed: u64, purpose: Purpose, index: u64) -> u64 {
    let mut x = seed
        ^ (purpose as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03);
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 29)
}

/// The host-side generator of stream (`seed`, `purpose`, `index`).
pub fn stream(seed: u64, purpose: Purpose, index: u64) -> ChaCha12Rng {
    ChaCha12Rng::seed_from_u64(derive_seed(seed, purpose, index))
}

/// The generator of a host-drawn dropout mask, from a seed the backend's generator drew.
pub fn dropout_stream(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

#[cfg(test)]
mod tests {
    use rand::{Rng, RngCore};

    use super::*;

    /// The streams are part of exact resume and of every committed result: this pins them.
    /// (The training streams are those `rand::rngs::StdRng` gave in rand 0.9, which is
    /// ChaCha12: results trained before this module reproduce.)
    #[test]
    fn streams_are_pinned() {
        assert_eq!(
            derive_seed(0, Purpose::BlockOrder, 0),
            0x642b_3651_1437_76fe
        );
        assert_eq!(
            stream(0, Purpose::TrainBatch, 7).next_u64(),
            0x160e_88e3_c038_c5b0
        );
        assert_eq!(dropout_stream(3).next_u64(), 0x9f7a_cbb4_1bbc_e95d);
    }

    #[test]
    fn streams_differ_by_seed_purpose_and_index() {
        let first = |seed, purpose, index| stream(seed, purpose, index).random::<u64>();
        let base = first(1, Purpose::TrainBatch, 5);
        assert_ne!(base, first(2, Purpose::TrainBatch, 5));
        assert_ne!(base, first(1, Purpose::EvalBatch, 5));
        assert_ne!(base, first(1, Purpose::TrainBatch, 6));
        assert_eq!(base, first(1, Purpose::TrainBatch, 5));
    }
}
