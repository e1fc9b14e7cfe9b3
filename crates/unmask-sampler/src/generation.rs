use std::time::Duration;

use crate::Canvas;

/// The result of [`crate::Sampler::generate`].
#[derive(Debug, Clone)]
pub struct Generation {
    /// The canvases, in the order given, with no mask left.
    pub canvases: Vec<Canvas>,
    /// Model calls (function evaluations) for the whole batch.
    pub nfe: usize,
    pub wall_time: Duration,
    /// Loop iterations: without a block cache, the most steps any canvas took (never above
    /// the step budget); under one, canvases wait for each other at the end of each block, so
    /// it adds up the slowest canvas of each block and may pass the budget.
    pub steps_taken: usize,
}
