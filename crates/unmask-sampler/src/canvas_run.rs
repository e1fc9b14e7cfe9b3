use std::ops::Range;

use crate::blocks::{block_budget, split_into_blocks};
use crate::rng::CanvasRngs;
use crate::rules::{BlockRule, StepContext, remask_committed, start_block};
use crate::token_sampler::TokenSampler;
use crate::{CacheMode, CacheWindow, Canvas, Policy, SamplerError};

/// The loop state of one canvas: its blocks, the current block's rule and step, its budget
/// and random streams. Canvases of a batch advance independently, one step per global step,
/// except under a block cache, where a canvas that has finished a block waits (takes no step)
/// until every canvas has finished it ([`CanvasRun::wait`]).
pub(crate) struct CanvasRun {
    index: usize,
    generated: Vec<usize>,
    blocks: Vec<Range<usize>>,
    block: usize,
    rule: Option<Box<dyn BlockRule>>,
    step_in_block: usize,
    budget: usize,
    steps_left: usize,
    rngs: CanvasRngs,
    remask: f64,
    requested: Vec<usize>,
    committed: Vec<usize>,
    /// The step of the current block whose call last recorded the cache (None: not yet).
    cache_recorded_at: Option<usize>,
    /// The cache window of the last [`CanvasRun::plan`] that requested logits.
    window: Option<CacheWindow>,
}

/// What a run needs from the sampler's settings.
pub(crate) struct RunSettings<'a> {
    pub policy: &'a Policy,
    pub steps: usize,
    pub block_len: Option<usize>,
    pub remask: f64,
    pub seed: u64,
    pub vocab: usize,
    pub cache: Option<CacheMode>,
    pub cache_refresh: Option<usize>,
}

impl CanvasRun {
    pub fn new(
        index: usize,
        canvas: &Canvas,
        settings: &RunSettings<'_>,
    ) -> Result<Self, SamplerError> {
        let generated = canvas.generated_positions();
        let blocks = split_into_blocks(generated.len(), settings.block_len);
        if blocks.len() > settings.steps {
            return Err(SamplerError::TooFewSteps {
                canvas: index,
                generated: generated.len(),
                block_len: settings.block_len.unwrap_or(generated.len()),
                blocks: blocks.len(),
                steps: settings.steps,
            });
        }
        let mut run = Self {
            index,
            generated,
            blocks,
            block: 0,
            rule: None,
            step_in_block: 0,
            budget: 0,
            steps_left: settings.steps,
            rngs: CanvasRngs::new(settings.seed, index),
            remask: settings.remask,
            requested: Vec::new(),
            committed: Vec::new(),
            cache_recorded_at: None,
            window: None,
        };
        run.enter_block(canvas, settings.policy);
        Ok(run)
    }

    pub fn is_done(&self) -> bool {
        self.rule.is_none()
    }

    /// The positions requested by the last [`CanvasRun::plan`].
    pub fn requested(&self) -> &[usize] {
        &self.requested
    }

    /// Index of the block the run is in (the number of blocks it has finished).
    pub fn block(&self) -> usize {
        self.block
    }

    /// Sits this global step out: no logits requested, no step taken, no number drawn, so the
    /// canvas's tokens are those it would get without waiting.
    pub fn wait(&mut self) {
        self.requested.clear();
        self.window = None;
    }

    /// The cache window of the last [`CanvasRun::plan`] (None without a cache).
    pub fn window(&self) -> Option<&CacheWindow> {
        self.window.as_ref()
    }

    /// Decides which positions this step needs logits for and, with a cache, what the call
    /// runs: the first call of a block (and one every `cache_refresh` steps after the last
    /// recording) records the cache afresh.
    pub fn plan(&mut self, canvas: &mut Canvas, settings: &RunSettings<'_>) {
        self.requested.clear();
        self.window = None;
        let Some(rule) = self.rule.as_mut() else {
            return;
        };
        let block = &self.generated[self.blocks[self.block].clone()];
        let mut cx = StepContext {
            canvas,
            block,
            step: self.step_in_block,
            budget: self.budget,
            rngs: &mut self.rngs,
            vocab: settings.vocab,
        };
        rule.request(&mut cx, &mut self.requested);
        let Some(mode) = settings.cache else {
            return;
        };
        if self.requested.is_empty() {
            return;
        }
        let refresh = match (self.cache_recorded_at, settings.cache_refresh) {
            (None, _) => true,
            (Some(at), Some(every)) => self.step_in_block - at >= every,
            (Some(_), None) => false,
        };
        if refresh {
            self.cache_recorded_at = Some(self.step_in_block);
        }
        self.window = Some(CacheWindow {
            canvas: self.index,
            refresh,
            rows: mode.rows(block, canvas.len()),
        });
    }

    /// Applies the step with `logits` for the requested positions, then moves on.
    pub fn finish_step(
        &mut self,
        canvas: &mut Canvas,
        logits: &mut [f32],
        tokens: &mut TokenSampler,
        settings: &RunSettings<'_>,
        step: usize,
    ) -> Result<(), SamplerError> {
        let Some(rule) = self.rule.as_mut() else {
            return Ok(());
        };
        let block = &self.generated[self.blocks[self.block].clone()];
        let mut cx = StepContext {
            canvas,
            block,
            step: self.step_in_block,
            budget: self.budget,
            rngs: &mut self.rngs,
            vocab: settings.vocab,
        };
        self.committed.clear();
        rule.apply(
            &mut cx,
            &self.requested,
            logits,
            tokens,
            &mut self.committed,
        )
        .map_err(|failure| SamplerError::BadLogits {
            step,
            canvas: self.index,
            position: failure.position,
            problem: failure.problem.to_string(),
        })?;
        if self.remask > 0.0 && !cx.is_last_step() {
            self.committed.sort_unstable();
            remask_committed(&mut cx, self.remask, &self.committed);
        }
        self.step_in_block += 1;
        self.steps_left -= 1;
        self.enter_block(canvas, settings.policy);
        Ok(())
    }

    /// Leaves finished blocks and starts the next one that has work, or ends the run.
    fn enter_block(&mut self, canvas: &Canvas, policy: &Policy) {
        loop {
            if let Some(rule) = &self.rule {
                let over = self.step_in_block == self.budget
                    || (rule.ends_when_unmasked() && !self.block_has_mask(canvas));
                if !over {
                    return;
                }
                self.block += 1;
            }
            let Some(range) = self.blocks.get(self.block).cloned() else {
                self.rule = None;
                return;
            };
            let masked = self.generated[range]
                .iter()
                .filter(|&&p| canvas.is_masked(p))
                .count();
            self.budget = block_budget(self.steps_left, self.blocks.len() - self.block);
            self.step_in_block = 0;
            self.cache_recorded_at = None;
            self.rule = Some(start_block(policy, masked, self.budget));
        }
    }

    fn block_has_mask(&self, canvas: &Canvas) -> bool {
        self.generated[self.blocks[self.block].clone()]
            .iter()
            .any(|&p| canvas.is_masked(p))
    }
}
