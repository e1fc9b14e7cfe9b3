//! The order training reads the packed blocks in.

use rand::seq::SliceRandom;
use unmask_nn::rng::{Purpose, stream};

/// A fresh permutation of the blocks every epoch, derived from the seed, so the position in
/// the stream is all a resumed run needs.
pub struct BlockOrder {
    n: usize,
    seed: u64,
    epoch: Option<(usize, Vec<usize>)>,
}

impl BlockOrder {
    /// The order of `n` blocks (at least one) under `seed`.
    pub fn new(n: usize, seed: u64) -> Self {
        Self {
            n,
            seed,
            epoch: None,
        }
    }

    /// The block read as the `sample`-th training example of the run.
    pub fn block_at(&mut self, sample: usize) -> usize {
        let epoch = sample / self.n;
        if self.epoch.as_ref().is_none_or(|(e, _)| *e != epoch) {
            let mut perm: Vec<usize> = (0..self.n).collect();
            perm.shuffle(&mut stream(self.seed, Purpose::BlockOrder, epoch as u64));
            self.epoch = Some((epoch, perm));
        }
        let (_, perm) = self.epoch.as_ref().expect("set above");
        perm[sample % self.n]
    }
}
