use std::time::Instant;

use unmask_schedule::ScheduleRegistry;

use crate::canvas_run::{CanvasRun, RunSettings};
use crate::token_sampler::TokenSampler;
use crate::{
    CacheWindow, Canvas, Denoiser, Generation, Policy, SamplerConfig, SamplerError, StepObserver,
};

/// A configured denoising loop. Build it once, run [`Sampler::generate`] on any batch.
#[derive(Debug, Clone)]
pub struct Sampler {
    config: SamplerConfig,
    policy: Policy,
}

impl Sampler {
    /// Validates `config` and resolves its policy with the built-in schedules.
    pub fn new(config: SamplerConfig) -> Result<Self, SamplerError> {
        Self::with_registry(config, &ScheduleRegistry::with_builtins())
    }

    /// Like [`Sampler::new`], resolving schedule specs with `registry`.
    pub fn with_registry(
        config: SamplerConfig,
        registry: &ScheduleRegistry,
    ) -> Result<Self, SamplerError> {
        config.validate()?;
        let policy = Policy::with_registry(config.policy, &config.policy_params(), registry)?;
        config.check_remask(&policy)?;
        config.check_cache(&policy)?;
        Ok(Self { config, policy })
    }

    pub fn config(&self) -> &SamplerConfig {
        &self.config
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Denoises `canvases` until no mask is left, within the step budget.
    ///
    /// Every step makes at most one `denoiser` call for the whole batch (none when no
    /// canvas needs logits), with only the canvases that need some and only the positions
    /// their policy uses. `observer` sees all canvases after every step.
    pub fn generate<D: Denoiser + ?Sized>(
        &self,
        denoiser: &mut D,
        mut canvases: Vec<Canvas>,
        observer: &mut dyn StepObserver,
    ) -> Result<Generation, SamplerError> {
        let started = Instant::now();
        let vocab = denoiser.vocab_size();
        self.check_inputs(&canvases, vocab)?;
        let settings = RunSettings {
            policy: &self.policy,
            steps: self.config.steps,
            block_len: self.config.block_len,
            remask: self.config.remask.unwrap_or(0.0),
            seed: self.config.seed,
            vocab,
            cache: self.config.cache,
            cache_refresh: self.config.cache_refresh,
        };
        let mut runs = canvases
            .iter()
            .enumerate()
            .map(|(index, canvas)| CanvasRun::new(index, canvas, &settings))
            .collect::<Result<Vec<_>, _>>()?;
        let mut tokens = TokenSampler::new(
            self.config.temperature,
            self.config.top_k,
            self.config.top_p,
            &self.config.forbidden,
        );
        let mut nfe = 0;
        let mut step = 0;
        let mut active = Vec::with_capacity(canvases.len());
        let mut waiting = vec![false; canvases.len()];
        while runs.iter().any(|run| !run.is_done()) {
            active.clear();
            // Under a cache the batch moves through each block together, so that one call
            // runs the same rows of every canvas against caches recorded together: a canvas
            // ahead of the slowest waits.
            let slowest = (settings.cache.is_some())
                .then(|| {
                    runs.iter()
                        .filter(|r| !r.is_done())
                        .map(CanvasRun::block)
                        .min()
                })
                .flatten();
            for (index, (run, canvas)) in runs.iter_mut().zip(&mut canvases).enumerate() {
                waiting[index] = slowest.is_some_and(|block| run.block() > block);
                if waiting[index] {
                    run.wait();
                } else {
                    run.plan(canvas, &settings);
                }
                if !run.requested().is_empty() {
                    active.push(index);
                }
            }
            let mut logits = if active.is_empty() {
                Vec::new()
            } else {
                nfe += 1;
                self.call_denoiser(denoiser, &canvases, &runs, &active, vocab, step)?
            };
            let mut rows = active.iter().copied().zip(logits.iter_mut()).peekable();
            for (index, (run, canvas)) in runs.iter_mut().zip(&mut canvases).enumerate() {
                let row = match rows.peek() {
                    Some((active_index, _)) if *active_index == index => {
                        rows.next().map(|(_, r)| r)
                    }
                    _ => None,
                };
                let row: &mut [f32] = row.map_or(&mut [], Vec::as_mut_slice);
                if !waiting[index] {
                    run.finish_step(canvas, row, &mut tokens, &settings, step)?;
                }
            }
            observer
                .on_step(step, &canvases)
                .map_err(|source| SamplerError::Observer {
                    step,
                    source: source.into(),
                })?;
            step += 1;
        }
        Ok(Generation {
            canvases,
            nfe,
            wall_time: started.elapsed(),
            steps_taken: step,
        })
    }

    fn check_inputs(&self, canvases: &[Canvas], vocab: usize) -> Result<(), SamplerError> {
        if canvases.is_empty() {
            return Err(SamplerError::EmptyBatch);
        }
        if vocab == 0 {
            return Err(SamplerError::EmptyVocab);
        }
        if let Some(&token) = self.config.forbidden.iter().find(|&&t| t as usize >= vocab) {
            return Err(SamplerError::ForbiddenOutOfVocab { token, vocab });
        }
        for (index, canvas) in canvases.iter().enumerate() {
            if let Some(position) = canvas.tokens().iter().position(|&t| t as usize >= vocab) {
                return Err(SamplerError::TokenOutOfVocab {
                    canvas: index,
                    position,
                    token: canvas.tokens()[position],
                    vocab,
                });
            }
            let mut banned: Vec<u32> = self.config.forbidden.clone();
            banned.push(canvas.mask_id());
            banned.sort_unstable();
            banned.dedup();
            if banned.len() >= vocab {
                return Err(SamplerError::AllTokensForbidden);
            }
        }
        Ok(())
    }

    fn call_denoiser<D: Denoiser + ?Sized>(
        &self,
        denoiser: &mut D,
        canvases: &[Canvas],
        runs: &[CanvasRun],
        active: &[usize],
        vocab: usize,
        step: usize,
    ) -> Result<Vec<Vec<f32>>, SamplerError> {
        let tokens: Vec<&[u32]> = active.iter().map(|&i| canvases[i].tokens()).collect();
        let positions: Vec<&[usize]> = active.iter().map(|&i| runs[i].requested()).collect();
        let windows: Option<Vec<CacheWindow>> =
            (active.iter().map(|&i| runs[i].window().cloned())).collect();
        let answer = match &windows {
            Some(windows) => denoiser.logits_cached(&tokens, &positions, windows),
            None => denoiser.logits(&tokens, &positions),
        };
        let logits = answer.map_err(|source| SamplerError::Denoiser {
            step,
            source: source.into(),
        })?;
        let malformed = |reason: String| SamplerError::DenoiserOutput { step, reason };
        if logits.len() != active.len() {
            return Err(malformed(format!(
                "{} logit vectors for a batch of {} canvases",
                logits.len(),
                active.len()
            )));
        }
        for (b, (rows, requested)) in logits.iter().zip(&positions).enumerate() {
            let expected = requested.len() * vocab;
            if rows.len() != expected {
                return Err(malformed(format!(
                    "batch entry {b}: {} logits for {} positions of {vocab} tokens (expected {expected})",
                    rows.len(),
                    requested.len()
                )));
            }
        }
        Ok(logits)
    }
}
