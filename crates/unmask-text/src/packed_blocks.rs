//! [`PackedBlocks`]: token ids cut into equal-length training blocks.

use crate::error::{Result, TextError};

/// `n_blocks * block_len` token ids, block after block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedBlocks {
    block_len: usize,
    ids: Vec<u32>,
}

impl PackedBlocks {
    /// Errors unless `block_len > 0` and `ids.len()` is a multiple of it.
    pub fn new(block_len: usize, ids: Vec<u32>) -> Result<Self> {
        if block_len == 0 || !ids.len().is_multiple_of(block_len) {
            return Err(TextError::InvalidArgument(format!(
                "{} token ids do not fill blocks of {block_len}",
                ids.len()
            )));
        }
        Ok(Self { block_len, ids })
    }

    pub fn block_len(&self) -> usize {
        self.block_len
    }

    pub fn n_blocks(&self) -> usize {
        self.ids.len() / self.block_len
    }

    /// All ids, block after block.
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }

    pub fn into_ids(self) -> Vec<u32> {
        self.ids
    }

    /// Block `index`, or `None` past the end.
    pub fn block(&self, index: usize) -> Option<&[u32]> {
        let start = index.checked_mul(self.block_len)?;
        self.ids.get(start..start + self.block_len)
    }

    pub fn blocks(&self) -> std::slice::ChunksExact<'_, u32> {
        self.ids.chunks_exact(self.block_len)
    }

    /// How often each id occurs in the blocks, indexed by id; the length is at least
    /// `vocab_size` (more if an id is out of range). For frequency-aware schedules (spindle).
    pub fn token_counts(&self, vocab_size: usize) -> Vec<u64> {
        token_counts(&self.ids, vocab_size)
    }
}

/// How often each id occurs in `ids`, indexed by id, at least `vocab_size` long.
pub fn token_counts(ids: &[u32], vocab_size: usize) -> Vec<u64> {
    let len = ids
        .iter()
        .map(|&id| id as usize + 1)
        .max()
        .unwrap_or(0)
        .max(vocab_size);
    let mut counts = vec![0u64; len];
    for &id in ids {
        counts[id as usize] += 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn blocks_index_the_ids() {
        let blocks = PackedBlocks::new(2, vec![1, 2, 3, 4, 5, 6]).unwrap();
        assert_eq!(blocks.n_blocks(), 3);
        assert_eq!(blocks.block(1), Some(&[3, 4][..]));
        assert_eq!(blocks.block(3), None);
        assert_eq!(blocks.block(usize::MAX), None);
        assert_eq!(blocks.blocks().count(), 3);
    }

    #[test]
    fn ragged_ids_are_rejected() {
        assert!(PackedBlocks::new(4, vec![1, 2, 3]).is_err());
        assert!(PackedBlocks::new(0, vec![]).is_err());
    }

    #[test]
    fn counts_by_hand() {
        assert_eq!(token_counts(&[0, 2, 2, 1, 2], 4), vec![1, 1, 3, 0]);
        assert_eq!(token_counts(&[5], 2), vec![0, 0, 0, 0, 0, 1]);
        assert_eq!(token_counts(&[], 3), vec![0, 0, 0]);
    }

    proptest! {
        #[test]
        fn counts_sum_to_the_number_of_ids(ids in proptest::collection::vec(0u32..50, 0..200)) {
            let counts = token_counts(&ids, 10);
            prop_assert_eq!(counts.iter().sum::<u64>(), ids.len() as u64);
            for (id, &count) in counts.iter().enumerate() {
                prop_assert_eq!(count, ids.iter().filter(|&&x| x as usize == id).count() as u64);
            }
        }
    }
}
