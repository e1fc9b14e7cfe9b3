//! Where the sampler's randomness comes from, spelled out so that a run can be reproduced.
//!
//! Canvas `b` of a batch owns two ChaCha8 streams seeded with the run's seed: stream `2b`
//! draws tokens (one number per sampled token, and one per position the `seed` loop does not
//! sample because it is re-masked at once), stream `2b + 1` makes the loop's decisions
//! (re-masking, ancestral reveals, random commit order). A canvas therefore gets the same
//! output whatever else is in its batch, and the decisions do not depend on how many numbers
//! token sampling used.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The stream that samples the tokens of canvas `canvas`.
pub fn token_rng(seed: u64, canvas: usize) -> ChaCha8Rng {
    stream(seed, 2 * canvas as u64)
}

/// The stream that makes the loop decisions for canvas `canvas`.
pub fn decision_rng(seed: u64, canvas: usize) -> ChaCha8Rng {
    stream(seed, 2 * canvas as u64 + 1)
}

fn stream(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Both streams of one canvas.
#[derive(Debug, Clone)]
pub(crate) struct CanvasRngs {
    pub tokens: ChaCha8Rng,
    pub decisions: ChaCha8Rng,
}

impl CanvasRngs {
    pub fn new(seed: u64, canvas: usize) -> Self {
        Self {
            tokens: token_rng(seed, canvas),
            decisions: decision_rng(seed, canvas),
        }
    }
}
