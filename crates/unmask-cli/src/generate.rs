//! `unmask generate`: text from a masked LM by iterative unmasking.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use burn::tensor::backend::AutodiffBackend;
use serde::Serialize;
use unmask_runtime::animation::{AnimationRecorder, check_animation_path, write_animation};
use unmask_runtime::denoiser::MaskedLmDenoiser;
use unmask_runtime::device::BackendJob;
use unmask_runtime::masked_lm::AnyMaskedLm;
use unmask_sampler::{Canvas, Sampler, SamplerConfig, StepObserver, Template, TraceObserver};
use unmask_text::TextTokenizer;

/// What to write on the canvas.
#[derive(Debug, Clone)]
pub enum CanvasSpec {
    /// A prompt at the start (possibly empty) followed by `length` masks.
    Prompt { text: String, length: usize },
    /// Fixed text anywhere, `[MASK:n]` spans in between.
    Template(String),
}

pub struct Generate {
    pub model_dir: PathBuf,
    pub canvas: CanvasSpec,
    pub sampler: SamplerConfig,
    pub num_samples: usize,
    pub show_steps: bool,
    pub trace: Option<PathBuf>,
    /// Where to write the animated SVG of the first canvas (checked before the model loads).
    pub animate: Option<PathBuf>,
}

/// One generated sample.
#[derive(Debug, Clone, Serialize)]
pub struct Sample {
    pub text: String,
    pub tokens: Vec<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GenerateOutput {
    pub samples: Vec<Sample>,
    /// Model calls for the whole batch.
    pub nfe: usize,
    pub steps: usize,
    pub wall_time_s: f64,
    pub generated_tokens: usize,
    pub tokens_per_s: f64,
}

/// The most tokens (samples times canvas length) one `generate` denoises as a batch.
pub const MAX_BATCH_TOKENS: usize = 1 << 20;

/// The placeholder drawn for a masked position in `--show-steps`.
pub const MASK_GLYPH: &str = "░";

fn canvas_text(tokenizer: &TextTokenizer, canvas: &Canvas) -> Result<String> {
    let special = tokenizer.special();
    let mut text = String::new();
    let mut run = Vec::new();
    for (i, &t) in canvas.tokens().iter().enumerate() {
        if canvas.is_masked(i) {
            text.push_str(&tokenizer.decode(&run, true)?);
            run.clear();
            text.push_str(MASK_GLYPH);
        } else if t != special.bos && t != special.eos {
            run.push(t);
        }
    }
    text.push_str(&tokenizer.decode(&run, true)?);
    Ok(text)
}

struct ShowSteps<'a> {
    tokenizer: &'a TextTokenizer,
}

impl StepObserver for ShowSteps<'_> {
    fn on_step(&mut self, step: usize, canvases: &[Canvas]) -> anyhow::Result<()> {
        for (i, canvas) in canvases.iter().enumerate() {
            let label = if canvases.len() > 1 {
                format!("{step:>3}.{i}")
            } else {
                format!("{step:>3}")
            };
            eprintln!(
                "{label} [{:>4} masked] {}",
                canvas.num_masked(),
                canvas_text(self.tokenizer, canvas)?
            );
        }
        Ok(())
    }
}

struct Both<'a>(Vec<&'a mut dyn StepObserver>);

impl StepObserver for Both<'_> {
    fn on_step(&mut self, step: usize, canvases: &[Canvas]) -> anyhow::Result<()> {
        for o in self.0.iter_mut() {
            o.on_step(step, canvases)?;
        }
        Ok(())
    }
}

impl Generate {
    /// The canvas of `self.canvas` (`template` parsed from it), for a model of `max_len`
    /// positions. Sizes are checked before anything of that size is allocated: a huge
    /// `--length`, `[MASK:N]` or `--num-samples` is an error, not an aborted allocation.
    fn build_canvas(
        &self,
        template: Option<&Template>,
        tokenizer: &TextTokenizer,
        max_len: usize,
    ) -> Result<Canvas> {
        let special = tokenizer.special();
        let generated = match (template, &self.canvas) {
            (Some(template), _) => template.num_masked(),
            (None, CanvasSpec::Prompt { length, .. }) => *length,
            (None, CanvasSpec::Template(_)) => bail!("the template was not parsed"),
        };
        if generated > max_len {
            bail!(
                "{generated} tokens to generate, but the model takes at most {max_len} \
                 positions; generate fewer tokens (--length or the [MASK:N] spans)"
            );
        }
        let canvas = match (template, &self.canvas) {
            (Some(template), _) => Canvas::from_template(
                template,
                |s| Ok(tokenizer.encode(s, false)?),
                &[special.bos],
                &[special.eos],
                special.mask,
            )?,
            (None, CanvasSpec::Prompt { text, length }) => {
                let mut prefix = vec![special.bos];
                if !text.is_empty() {
                    prefix.extend(tokenizer.encode(text, false)?);
                }
                Canvas::prompted(&prefix, *length, &[special.eos], special.mask)?
            }
            (None, CanvasSpec::Template(_)) => bail!("the template was not parsed"),
        };
        canvas.check_max_len(max_len)?;
        let batch_tokens = self.num_samples.saturating_mul(canvas.len());
        if batch_tokens > MAX_BATCH_TOKENS {
            bail!(
                "--num-samples {} canvases of {} tokens make {batch_tokens} tokens in one batch, \
                 more than the {MAX_BATCH_TOKENS} one generation holds; ask for fewer samples \
                 (and run again with another --seed for more)",
                self.num_samples,
                canvas.len()
            );
        }
        Ok(canvas)
    }

    /// `unmask generate · MODEL · POLICY · N steps · seed S`, MODEL the directory's name
    /// (with its run's name for a run's `final/`).
    fn animation_title(&self) -> String {
        let name =
            |path: &std::path::Path| path.file_name().map(|n| n.to_string_lossy().into_owned());
        let model = match name(&self.model_dir) {
            Some(last) if last == "final" => match self.model_dir.parent().and_then(name) {
                Some(run) => format!("{run}/{last}"),
                None => last,
            },
            Some(last) => last,
            None => self.model_dir.display().to_string(),
        };
        format!(
            "unmask generate · {model} · {} · {} steps · seed {}",
            self.sampler.policy, self.sampler.steps, self.sampler.seed
        )
    }
}

impl BackendJob for Generate {
    type Output = GenerateOutput;

    fn run<B: AutodiffBackend>(mut self, device: B::Device) -> Result<Self::Output> {
        if self.num_samples == 0 {
            bail!("--num-samples must be at least 1");
        }
        let tokenizer = TextTokenizer::from_dir(&self.model_dir)?;
        let special = tokenizer.special().clone();
        let mut forbidden = vec![special.mask, special.pad, special.bos, special.eos];
        forbidden.extend(special.unk);
        for id in forbidden {
            if !self.sampler.forbidden.contains(&id) {
                self.sampler.forbidden.push(id);
            }
        }
        let sampler = Sampler::new(self.sampler.clone())?;
        if let Some(path) = &self.animate {
            check_animation_path(path)?;
        }
        // Parsed (its errors reported) before the model loads, built once its size is known.
        let template = match &self.canvas {
            CanvasSpec::Template(text) => Some(Template::parse(text)?),
            CanvasSpec::Prompt { .. } => None,
        };
        let loaded = AnyMaskedLm::<B::InnerBackend>::load(&self.model_dir, &device)?;
        if loaded.fresh_head {
            eprintln!("warning: the checkpoint has no MLM head; generating from a random head");
        }
        let model = loaded.model;
        unmask_runtime::source::check_vocab(&tokenizer, model.vocab_size())?;
        let max_len = model.max_sequence_len();
        let canvas = self.build_canvas(template.as_ref(), &tokenizer, max_len)?;
        let canvases = vec![canvas; self.num_samples];
        let mut denoiser = MaskedLmDenoiser::new(model, device);

        let mut show = ShowSteps {
            tokenizer: &tokenizer,
        };
        let mut trace = match &self.trace {
            Some(path) => Some(TraceObserver::new(BufWriter::new(
                File::create(path)
                    .with_context(|| format!("creating the trace file {}", path.display()))?,
            ))),
            None => None,
        };
        let mut observers: Vec<&mut dyn StepObserver> = Vec::new();
        if self.show_steps {
            observers.push(&mut show);
        }
        if let Some(t) = trace.as_mut() {
            observers.push(t);
        }
        let mut animation = match &self.animate {
            Some(_) => Some(AnimationRecorder::new(
                &self.animation_title(),
                &canvases[0],
                0,
            )?),
            None => None,
        };
        if let Some(a) = animation.as_mut() {
            observers.push(a);
        }
        let generation = sampler.generate(&mut denoiser, canvases, &mut Both(observers))?;
        if let Some(t) = trace {
            t.finish()?;
        }
        if let (Some(path), Some(animation)) = (&self.animate, &animation) {
            write_animation(path, &animation.to_svg(&tokenizer)?)?;
        }
        let generated_tokens: usize = generation
            .canvases
            .iter()
            .map(|c| c.generated_positions().len())
            .sum();
        let samples = generation
            .canvases
            .iter()
            .map(|c| {
                Ok(Sample {
                    text: tokenizer.decode(c.tokens(), true)?,
                    tokens: c.tokens().to_vec(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let wall = generation.wall_time.as_secs_f64();
        Ok(GenerateOutput {
            samples,
            nfe: generation.nfe,
            steps: generation.steps_taken,
            wall_time_s: wall,
            generated_tokens,
            tokens_per_s: generated_tokens as f64 / wall.max(1e-9),
        })
    }
}
