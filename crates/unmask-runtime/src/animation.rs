//! The denoising animation of a generation, for `unmask generate --animate` and the
//! experiment reports: one canvas of the batch recorded after every step by the sampler's
//! [`StepObserver`], drawn with the model's tokenizer by [`DenoisingAnimation`].

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use burn::tensor::backend::Backend;
use unmask_report::DenoisingAnimation;
use unmask_sampler::{Canvas, PolicyKind, StepObserver};
use unmask_text::TextTokenizer;

use crate::measure::MaskedModel;
use crate::measure::samples::{diffusion_sampler, prompt_canvas};

/// Fails, naming the path and what is wrong with it, when an animation could not be written
/// to `path`: called before the model runs, so that a bad path costs no generation.
pub fn check_animation_path(path: &Path) -> Result<()> {
    unmask_io::check_writable(path).context("the animation (--animate) cannot be written")
}

/// Writes the animated SVG `svg` to `path` (atomically).
pub fn write_animation(path: &Path, svg: &str) -> Result<()> {
    Ok(unmask_io::write_atomic(path, svg.as_bytes())?)
}

/// Records canvas `canvas` of a batch at the start and after every step.
#[derive(Debug, Clone)]
pub struct AnimationRecorder {
    canvas: usize,
    animation: DenoisingAnimation,
}

impl AnimationRecorder {
    /// Records canvas `canvas` of the batch, which starts as `start`.
    pub fn new(title: &str, start: &Canvas, canvas: usize) -> Result<Self> {
        Ok(Self {
            canvas,
            animation: DenoisingAnimation::new(
                title,
                start.tokens(),
                start.fixed(),
                start.mask_id(),
            )?,
        })
    }

    pub fn animation(&self) -> &DenoisingAnimation {
        &self.animation
    }

    /// The animated SVG, each token drawn as [`TextTokenizer::piece`]; `<s>`, `</s>` and
    /// padding are left out.
    pub fn to_svg(&self, tokenizer: &TextTokenizer) -> Result<String> {
        let special = tokenizer.special();
        let hidden = [special.bos, special.eos, special.pad];
        let mut failure = None;
        let svg = self.animation.to_svg(|id| {
            if hidden.contains(&id) {
                return String::new();
            }
            tokenizer.piece(id).unwrap_or_else(|e| {
                failure.get_or_insert(e);
                String::new()
            })
        });
        match failure {
            Some(e) => Err(anyhow!("drawing the denoising animation: {e}")),
            None => Ok(svg),
        }
    }
}

impl StepObserver for AnimationRecorder {
    fn on_step(&mut self, _step: usize, canvases: &[Canvas]) -> Result<()> {
        let canvas = canvases
            .get(self.canvas)
            .ok_or_else(|| anyhow!("the batch has no canvas {}", self.canvas))?;
        Ok(self.animation.push_step(canvas.tokens())?)
    }
}

/// The animation of `prompt` continued by `gen_len` tokens with the sampler of
/// [`crate::measure::diffusion_samples`] (`policy`, `steps`, `seed`), generated alone: the
/// first sample of a batch with the same settings, up to the batch's floating-point effects.
pub fn diffusion_animation<B: Backend>(
    model: &mut MaskedModel<B>,
    prompt: &str,
    gen_len: usize,
    policy: PolicyKind,
    steps: usize,
    seed: u64,
    title: &str,
) -> Result<String> {
    let sampler = diffusion_sampler(model, policy, steps, seed)?;
    let canvas = prompt_canvas(model, prompt, gen_len)?;
    let mut recorder = AnimationRecorder::new(title, &canvas, 0)?;
    sampler.generate(&mut model.denoiser, vec![canvas], &mut recorder)?;
    recorder.to_svg(&model.tokenizer)
}
