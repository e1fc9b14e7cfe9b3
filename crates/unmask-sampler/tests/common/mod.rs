//! A scripted denoiser and a harness that records every step of a run.
#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use unmask_sampler::{
    Canvas, Denoiser, Generation, PolicyKind, Sampler, SamplerConfig, SamplerError, StepObserver,
};

pub const MASK: u32 = 1;

/// One denoiser call: the canvases it saw (by batch index) and the positions asked for.
#[derive(Debug, Clone)]
pub struct Call {
    pub canvases: Vec<usize>,
    pub tokens: Vec<Vec<u32>>,
    pub positions: Vec<Vec<usize>>,
}

/// Deterministic logits: a hash of (position, token, and, when `context` is on, the sum of
/// the canvas), scaled to [0, scale), plus fixed `bias` per token id. Canvas `b` must start
/// with the fixed token `id_token(b)` so calls can be traced back to their canvas.
#[derive(Debug, Clone)]
pub struct FakeModel {
    pub vocab: usize,
    pub scale: f32,
    pub context: bool,
    pub bias: Vec<(u32, f32)>,
    pub log: Rc<RefCell<Vec<Call>>>,
}

pub fn id_token(canvas: usize) -> u32 {
    2 + canvas as u32
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ceb9fe1a85ec53);
    x ^ (x >> 33)
}

impl FakeModel {
    pub fn new(vocab: usize) -> Self {
        Self {
            vocab,
            scale: 6.0,
            context: true,
            bias: Vec::new(),
            log: Rc::new(RefCell::new(Vec::new())),
        }
    }

    /// The logits this model gives `position` of `tokens`.
    pub fn row(&self, tokens: &[u32], position: usize) -> Vec<f32> {
        let context: u64 = if self.context {
            tokens.iter().map(|&t| t as u64).sum()
        } else {
            0
        };
        let mut row: Vec<f32> = (0..self.vocab as u64)
            .map(|token| {
                let h = mix(position as u64 * 1_000_003 + token * 7919 + context * 104_729);
                (h % 10_000) as f32 / 10_000.0 * self.scale
            })
            .collect();
        for &(token, bias) in &self.bias {
            row[token as usize] += bias;
        }
        row
    }

    /// The most likely allowed token (not the mask, not `forbidden`).
    pub fn argmax(&self, tokens: &[u32], position: usize, forbidden: &[u32]) -> u32 {
        let row = self.row(tokens, position);
        (0..self.vocab as u32)
            .filter(|t| *t != MASK && !forbidden.contains(t))
            .max_by(|&a, &b| row[a as usize].total_cmp(&row[b as usize]).then(b.cmp(&a)))
            .unwrap()
    }

    pub fn calls(&self) -> Vec<Call> {
        self.log.borrow().clone()
    }
}

impl Denoiser for FakeModel {
    fn vocab_size(&self) -> usize {
        self.vocab
    }

    fn logits(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        let canvases = tokens.iter().map(|t| (t[0] - 2) as usize).collect();
        self.log.borrow_mut().push(Call {
            canvases,
            tokens: tokens.iter().map(|t| t.to_vec()).collect(),
            positions: positions.iter().map(|p| p.to_vec()).collect(),
        });
        Ok(tokens
            .iter()
            .zip(positions)
            .map(|(t, ps)| ps.iter().flat_map(|&p| self.row(t, p)).collect())
            .collect())
    }
}

/// Everything a run did, step by step.
#[derive(Debug)]
pub struct Trace {
    pub initial: Vec<Canvas>,
    /// The canvases after each step.
    pub snapshots: Vec<Vec<Canvas>>,
    /// The denoiser call made during each step, if any.
    pub calls: Vec<Option<Call>>,
    pub generation: Generation,
}

impl Trace {
    /// The canvases before step `step`.
    pub fn before(&self, step: usize) -> &[Canvas] {
        if step == 0 {
            &self.initial
        } else {
            &self.snapshots[step - 1]
        }
    }

    /// Positions of canvas `b` asked for during `step` (empty if none).
    pub fn requested(&self, step: usize, b: usize) -> Vec<usize> {
        self.calls[step]
            .as_ref()
            .and_then(|call| {
                call.canvases
                    .iter()
                    .position(|&c| c == b)
                    .map(|j| call.positions[j].clone())
            })
            .unwrap_or_default()
    }

    /// Positions of canvas `b` that were masked before `step` and hold a token after it.
    pub fn committed(&self, step: usize, b: usize) -> Vec<usize> {
        let before = &self.before(step)[b];
        let after = &self.snapshots[step][b];
        (0..before.len())
            .filter(|&p| before.is_masked(p) && !after.is_masked(p))
            .collect()
    }

    /// Per step, how many positions of canvas `b` went from masked to written.
    pub fn commit_counts(&self, b: usize) -> Vec<usize> {
        (0..self.snapshots.len())
            .map(|s| self.committed(s, b).len())
            .collect()
    }
}

struct Recorder {
    log: Rc<RefCell<Vec<Call>>>,
    seen_calls: usize,
    snapshots: Vec<Vec<Canvas>>,
    calls: Vec<Option<Call>>,
}

impl StepObserver for Recorder {
    fn on_step(&mut self, step: usize, canvases: &[Canvas]) -> anyhow::Result<()> {
        assert_eq!(
            step,
            self.snapshots.len(),
            "steps are numbered from 0 without gaps"
        );
        let log = self.log.borrow();
        assert!(
            log.len() <= self.seen_calls + 1,
            "more than one denoiser call in a step"
        );
        self.calls.push(log.get(self.seen_calls).cloned());
        self.seen_calls = log.len();
        self.snapshots.push(canvases.to_vec());
        Ok(())
    }
}

pub fn run(
    config: SamplerConfig,
    model: &mut FakeModel,
    canvases: Vec<Canvas>,
) -> Result<Trace, SamplerError> {
    let sampler = Sampler::new(config)?;
    let mut recorder = Recorder {
        log: model.log.clone(),
        seen_calls: model.log.borrow().len(),
        snapshots: Vec::new(),
        calls: Vec::new(),
    };
    let generation = sampler.generate(model, canvases.clone(), &mut recorder)?;
    Ok(Trace {
        initial: canvases,
        snapshots: recorder.snapshots,
        calls: recorder.calls,
        generation,
    })
}

/// `[id_token(b)] + prefix + gen_len masks + suffix`.
pub fn prompted(b: usize, prefix: &[u32], gen_len: usize, suffix: &[u32]) -> Canvas {
    let mut head = vec![id_token(b)];
    head.extend_from_slice(prefix);
    Canvas::prompted(&head, gen_len, suffix, MASK).unwrap()
}

pub fn config(policy: PolicyKind, steps: usize) -> SamplerConfig {
    SamplerConfig {
        policy,
        steps,
        ..SamplerConfig::default()
    }
}
