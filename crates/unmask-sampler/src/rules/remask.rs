use rand::Rng;

use super::StepContext;

/// ReMDM-style remasking: after a step's commits, each token of the block committed before
/// this step (a draft token of the canvas counts) is re-masked with probability `sigma`, one
/// decision number per such token in order. `committed_now` must be sorted. The caller skips
/// the last step of a block, which therefore ends with no mask.
pub(crate) fn remask_committed(cx: &mut StepContext<'_>, sigma: f64, committed_now: &[usize]) {
    for &position in cx.block {
        if cx.canvas.is_masked(position) || committed_now.binary_search(&position).is_ok() {
            continue;
        }
        if cx.rngs.decisions.random::<f64>() < sigma {
            cx.canvas.remask(position);
        }
    }
}
