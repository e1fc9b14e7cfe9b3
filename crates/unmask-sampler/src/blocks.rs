//! Semi-autoregressive blocks: the generated positions of a canvas (in order, across spans)
//! cut into consecutive blocks, each finished before the next starts.

use std::ops::Range;

/// Ranges into the list of `generated` positions: blocks of `block_len` (the last one may be
/// shorter), or a single block when `block_len` is `None`. No block when nothing is generated.
pub fn split_into_blocks(generated: usize, block_len: Option<usize>) -> Vec<Range<usize>> {
    let len = block_len.unwrap_or(generated).max(1);
    (0..generated.div_ceil(len))
        .map(|b| b * len..((b + 1) * len).min(generated))
        .collect()
}

/// Steps given to the next block: `ceil(steps_left / blocks_left)`.
///
/// With no step to spare this is the even split with the remainder on the first blocks
/// (10 steps, 3 blocks: 4, 3, 3); steps a block leaves unused go to the blocks after it.
/// Each block gets at least one step whenever `steps_left >= blocks_left`, which then stays true.
pub fn block_budget(steps_left: usize, blocks_left: usize) -> usize {
    debug_assert!(steps_left >= blocks_left && blocks_left > 0);
    steps_left.div_ceil(blocks_left)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_the_generated_positions() {
        assert_eq!(split_into_blocks(10, Some(4)), [0..4, 4..8, 8..10]);
        assert_eq!(split_into_blocks(8, Some(4)), [0..4, 4..8]);
        assert_eq!(split_into_blocks(5, None), vec![0..5]);
        assert!(split_into_blocks(0, None).is_empty());
        assert!(split_into_blocks(0, Some(3)).is_empty());
    }

    #[test]
    fn budgets_split_steps_evenly_remainder_first() {
        let mut left = 10;
        let budgets: Vec<usize> = (0..3)
            .rev()
            .map(|after| {
                let budget = block_budget(left, after + 1);
                left -= budget;
                budget
            })
            .collect();
        assert_eq!(budgets, [4, 3, 3]);
        assert_eq!(block_budget(3, 3), 1);
    }
}
