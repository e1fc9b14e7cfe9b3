use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use experiments::{Preset, RunExperiments};
use unmask_runtime::device::{DeviceSpec, run_on};

// CPU tensors are large, short-lived allocations: mimalloc, told to keep freed pages in
// `main` (`unmask_runtime::allocator`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Reproduce "BERT is one step of text diffusion": train, measure, and write a report with
/// tables and figures to runs/<name>-<preset>/.
#[derive(Parser)]
#[command(name = "experiments")]
struct Args {
    /// bert-vs-diffusion, pretrained-init, schedules, samplers, ar-vs-diffusion, or all.
    name: String,
    /// A built-in preset (tiny, cpu-small, seed) or a preset TOML file.
    #[arg(long, default_value = "cpu-small")]
    preset: String,
    /// cpu, cuda, cuda:N or wgpu.
    #[arg(long, default_value = "cpu")]
    device: DeviceSpec,
    /// Where models and reports go.
    #[arg(long, default_value = "runs")]
    out: PathBuf,
}

fn main() -> ExitCode {
    unmask_runtime::allocator::keep_freed_pages();
    let args = Args::parse();
    match run(&args) {
        Ok(dirs) => {
            for dir in dirs {
                println!("{}", dir.join("report.md").display());
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!(
                "error: {}",
                unmask_runtime::error_message::error_message(&error)
            );
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> anyhow::Result<Vec<PathBuf>> {
    let preset = Preset::load(&args.preset)?;
    let job = RunExperiments {
        names: RunExperiments::names(&args.name, &preset)?,
        preset,
        out: args.out.clone(),
        command: format!(
            "cargo run --release -p experiments -- {} --preset {} --device {}",
            args.name, args.preset, args.device
        ),
        device_label: args.device.to_string(),
    };
    run_on(args.device, job)
}
