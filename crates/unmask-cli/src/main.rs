use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Parser, Subcommand};
use unmask_cli::decoding::BlockDecoding;
use unmask_cli::eval::{Eval, GenerationRequest};
use unmask_cli::fill_mask::{FillMask, print_table, to_json};
use unmask_cli::generate::{CanvasSpec, Generate};
use unmask_cli::tokenizer_cmd::train_tokenizer;
use unmask_cli::train_cmd::Train;
use unmask_runtime::animation::check_animation_path;
use unmask_runtime::device::{DeviceSpec, run_on};
use unmask_runtime::measure::HeldOutOptions;
use unmask_runtime::source::model_dir;
use unmask_sampler::{PolicyKind, SamplerConfig};
use unmask_train::TrainOptions;

// CPU tensors are large, short-lived allocations: mimalloc, told to keep freed pages in
// `main` (`unmask_runtime::allocator`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `println!` that returns the write error instead of panicking, so `unmask ... | head`
/// ends quietly when the reader closes the pipe.
macro_rules! say {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)?
    };
}

/// Masked language models as text diffusion generators.
#[derive(Parser)]
#[command(name = "unmask", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Predict the `<mask>` tokens of a text in one step (BERT's special case of diffusion).
    FillMask(FillMaskArgs),
    /// Generate text by iterative unmasking, from a prompt or an infilling template.
    Generate(GenerateArgs),
    /// Train a masked LM as a diffusion model from a TOML config or a shipped preset.
    Train(TrainArgs),
    /// Measure a model on held-out text: the ELBO bound and loss vs mask rate (masked LM) or
    /// NLL (causal LM), per token and per word; optionally samples scored by an evaluator.
    Eval(EvalArgs),
    /// Tokenizer tools.
    #[command(subcommand)]
    Tokenizer(TokenizerCommand),
}

#[derive(Args)]
struct FillMaskArgs {
    /// A local model directory or a Hugging Face Hub id (e.g. FacebookAI/roberta-base).
    #[arg(long)]
    model: String,
    #[arg(long, default_value_t = 5)]
    top_k: usize,
    #[arg(long, default_value = "cpu")]
    device: DeviceSpec,
    /// Print the transformers fill-mask pipeline's JSON.
    #[arg(long)]
    json: bool,
    /// The text, with one or more of the model's mask tokens.
    text: String,
}

#[derive(Args)]
struct GenerateArgs {
    #[arg(long)]
    model: String,
    /// Text the canvas starts with (any length); the masks follow it.
    #[arg(long, conflicts_with = "template")]
    prompt: Option<String>,
    /// Fixed text anywhere with masked spans: "The war ended in [MASK:12]. After that, [MASK:30]".
    #[arg(long)]
    template: Option<String>,
    /// Tokens to generate after the prompt.
    #[arg(long, default_value_t = 64)]
    length: usize,
    /// Step budget (model calls per canvas at most).
    #[arg(long, default_value_t = 64)]
    steps: usize,
    /// seed | ancestral | prob | margin | entropy | random | threshold.
    #[arg(long, default_value_t = PolicyKind::Prob)]
    policy: PolicyKind,
    #[command(flatten)]
    decoding: BlockDecoding,
    /// Commit split (confidence policies) or noise schedule (ancestral), e.g. cosine.
    #[arg(long)]
    schedule: Option<String>,
    /// Confidence threshold for the `threshold` policy, in (0, 1].
    #[arg(long)]
    threshold: Option<f64>,
    /// ReMDM remasking probability per step for the confidence policies.
    #[arg(long)]
    remask: Option<f64>,
    #[arg(long, default_value_t = 1.0)]
    temperature: f64,
    #[arg(long)]
    top_k: Option<usize>,
    #[arg(long)]
    top_p: Option<f64>,
    #[arg(long, default_value_t = 1)]
    num_samples: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, default_value = "cpu")]
    device: DeviceSpec,
    /// Print the canvas after every step (masks drawn as ░).
    #[arg(long)]
    show_steps: bool,
    /// Save every step as JSON Lines.
    #[arg(long)]
    trace: Option<PathBuf>,
    /// Write an animated SVG of the (first) canvas denoising step by step: masks, new tokens
    /// and re-masked tokens in their own colours.
    #[arg(long)]
    animate: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct TrainArgs {
    /// The run's TOML config.
    #[arg(long)]
    config: Option<PathBuf>,
    /// A shipped preset: cpu-small (default), seed, tiny.
    #[arg(long)]
    preset: Option<String>,
    #[arg(long, default_value = "cpu")]
    device: DeviceSpec,
    /// Continue from the run directory's last checkpoint.
    #[arg(long)]
    resume: bool,
    /// Override run.steps.
    #[arg(long)]
    steps: Option<usize>,
    /// Override run.out_dir.
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// Override data.corpus.
    #[arg(long)]
    corpus: Option<String>,
    /// Stop after this many steps, with a checkpoint (as if killed).
    #[arg(long, hide = true)]
    stop_after: Option<usize>,
    /// Log lines instead of a progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args)]
struct EvalArgs {
    /// The model: a local directory or a Hub id; a masked LM (BERT, RoBERTa, MiniLM,
    /// ModernBERT) or a causal LM (GPT-2, causal ModernBERT).
    #[arg(long)]
    model: String,
    /// The corpus: sotu, moby-dick, a file or directory of text, JSON Lines or Parquet, or
    /// hf:OWNER/NAME[/CONFIG].
    #[arg(long)]
    corpus: String,
    /// train, validation or test (default: test; validation for hf: corpora).
    #[arg(long)]
    split: Option<String>,
    /// Held-out blocks, spread evenly over the split. The defaults of --blocks, --block-len,
    /// --quadrature-nodes, --mask-rates and --seed are the cpu-small experiments'.
    #[arg(long, default_value_t = 64)]
    blocks: usize,
    /// Tokens per block (a masked LM's capped at its longest sequence).
    #[arg(long, default_value_t = 256)]
    block_len: usize,
    /// Gauss-Legendre nodes of the ELBO bound.
    #[arg(long, default_value_t = 8)]
    quadrature_nodes: usize,
    /// Mask rates of the loss curve, comma-separated.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0.05,0.15,0.3,0.5,0.7,0.85,1.0"
    )]
    mask_rates: Vec<f64>,
    /// Seed of the mask draws, the samples and the shuffled-words control.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Draw this many samples from nothing and score them (needs --evaluator).
    #[arg(long, requires = "evaluator")]
    generate: Option<usize>,
    /// A causal LM (directory or Hub id) that scores the samples: generative perplexity.
    #[arg(long)]
    evaluator: Option<String>,
    /// Tokens per sample.
    #[arg(long, default_value_t = 64)]
    length: usize,
    /// The diffusion sampler: seed | ancestral | prob | margin | entropy | random | threshold.
    #[arg(long, default_value_t = PolicyKind::Ancestral)]
    policy: PolicyKind,
    /// The diffusion sampler's step budget.
    #[arg(long, default_value_t = 32)]
    steps: usize,
    /// The diffusion sampler's blocks and block cache (as in `unmask generate`).
    #[command(flatten)]
    decoding: BlockDecoding,
    #[arg(long, default_value = "cpu")]
    device: DeviceSpec,
    /// Print the result as JSON instead of tables.
    #[arg(long)]
    json: bool,
    /// Also write a report (report.md, CSV, the loss-vs-mask-rate figure, results.json).
    #[arg(long)]
    out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(Subcommand)]
enum TokenizerCommand {
    /// Train a byte-level BPE with RoBERTa's special tokens on a corpus.
    Train {
        #[arg(long)]
        corpus: String,
        #[arg(long, default_value_t = 8192)]
        vocab_size: usize,
        /// Output directory (tokenizer.json and tokenizer_config.json).
        #[arg(long)]
        out: PathBuf,
    },
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::FillMask(a) => {
            let job = FillMask {
                model_dir: model_dir(&a.model)?,
                text: a.text,
                top_k: a.top_k,
            };
            let results = run_on(a.device, job)?;
            if a.json {
                say!("{}", serde_json::to_string_pretty(&to_json(&results))?);
            } else {
                print_table(&results);
            }
        }
        Command::Generate(a) => {
            // A path the animation cannot be written to fails before the model is found.
            if let Some(path) = &a.animate {
                check_animation_path(path)?;
            }
            let canvas = match (a.prompt, a.template) {
                (_, Some(t)) => CanvasSpec::Template(t),
                (p, None) => CanvasSpec::Prompt {
                    text: p.unwrap_or_default(),
                    length: a.length,
                },
            };
            let sampler = a.decoding.apply(SamplerConfig {
                policy: a.policy,
                steps: a.steps,
                schedule: a.schedule,
                threshold: a.threshold,
                remask: a.remask,
                temperature: a.temperature,
                top_k: a.top_k,
                top_p: a.top_p,
                forbidden: Vec::new(),
                seed: a.seed,
                ..SamplerConfig::default()
            });
            let job = Generate {
                model_dir: model_dir(&a.model)?,
                canvas,
                sampler,
                num_samples: a.num_samples,
                show_steps: a.show_steps,
                trace: a.trace,
                animate: a.animate,
            };
            let out = run_on(a.device, job)?;
            if a.json {
                say!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for (i, s) in out.samples.iter().enumerate() {
                    if out.samples.len() > 1 {
                        say!("--- sample {}", i + 1);
                    }
                    say!("{}", s.text);
                }
                eprintln!(
                    "{} tokens in {:.2} s ({:.0} tokens/s), {} model calls",
                    out.generated_tokens, out.wall_time_s, out.tokens_per_s, out.nfe
                );
            }
        }
        Command::Train(a) => {
            let mut config = Train::load(a.config, a.preset)?;
            if let Some(steps) = a.steps {
                config.run.steps = steps;
            }
            if let Some(dir) = a.out_dir {
                config.run.out_dir = dir;
            }
            if let Some(corpus) = a.corpus {
                config.data.corpus = corpus;
            }
            config.validate().map_err(anyhow::Error::msg)?;
            let options = TrainOptions {
                resume: a.resume,
                stop_after: a.stop_after,
                quiet: a.quiet,
                // Ctrl-C: checkpoint the step reached and stop (exit status 130).
                interrupt: unmask_cli::interrupt::ctrl_c_flag(),
                ..TrainOptions::default()
            };
            let summary = run_on(a.device, Train { config, options })?;
            let fmt = |v: Option<f64>| v.map(|v| format!("{v:.4}")).unwrap_or_else(|| "-".into());
            say!(
                "{} steps, {} parameters, {:.1} min, {:.0} tokens/s; train loss {} -> {}",
                summary.steps_done,
                summary.parameters,
                summary.elapsed.as_secs_f64() / 60.0,
                summary.tokens_per_s,
                fmt(summary.first_loss),
                fmt(summary.last_loss),
            );
            for (step, loss) in &summary.validation {
                say!("validation loss at step {step}: {loss:.4}");
            }
            if let Some(dir) = &summary.final_dir {
                say!("model saved to {}", dir.display());
            }
            if summary.interrupted {
                say!(
                    "interrupted after step {}; the checkpoint is saved, continue with --resume",
                    summary.steps_done
                );
                std::process::exit(unmask_cli::interrupt::INTERRUPTED_EXIT_CODE.into());
            }
        }
        Command::Eval(a) => {
            let generation = match (a.generate, &a.evaluator) {
                (Some(samples), Some(evaluator)) => Some(GenerationRequest {
                    samples,
                    length: a.length,
                    policy: a.policy,
                    steps: a.steps,
                    decoding: a.decoding.clone(),
                    evaluator: model_dir(evaluator)?,
                }),
                _ => None,
            };
            let job = Eval {
                model_dir: model_dir(&a.model)?,
                model_label: a.model.clone(),
                corpus: a.corpus.clone(),
                split: a.split.clone(),
                held_out: HeldOutOptions {
                    block_len: a.block_len,
                    blocks: a.blocks,
                    quadrature_nodes: a.quadrature_nodes,
                    mask_rates: a.mask_rates.clone(),
                    seed: a.seed,
                },
                generation,
                progress: !a.quiet,
            };
            job.check().map_err(anyhow::Error::msg)?;
            let result = run_on(a.device, job)?;
            if let Some(dir) = &a.out {
                let path = unmask_cli::eval::report::write_report(&result, &command_line(), dir)?;
                eprintln!("report written to {}", path.display());
            }
            if a.json {
                say!("{}", serde_json::to_string_pretty(&result)?);
            } else {
                say!("{}", result.to_text()?);
            }
        }
        Command::Tokenizer(TokenizerCommand::Train {
            corpus,
            vocab_size,
            out,
        }) => {
            train_tokenizer(&corpus, vocab_size, &out)?;
        }
    }
    Ok(())
}

/// The command as the user typed it (the program named `unmask`), for reports.
fn command_line() -> String {
    let args = std::env::args().skip(1).map(|arg| {
        if arg.is_empty() || arg.contains(char::is_whitespace) {
            format!("'{arg}'")
        } else {
            arg
        }
    });
    std::iter::once("unmask".to_string())
        .chain(args)
        .collect::<Vec<_>>()
        .join(" ")
}

fn main() -> ExitCode {
    unmask_runtime::allocator::keep_freed_pages();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err)
            if err.chain().any(|cause| {
                cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!(
                "error: {}",
                unmask_runtime::error_message::error_message(&err)
            );
            ExitCode::FAILURE
        }
    }
}
