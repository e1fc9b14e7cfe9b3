//! The experiments of unmask: "BERT is one step of text diffusion", reproduced end to end.
//! `cargo run --release -p experiments -- <name> [--preset P] [--device D]` writes
//! `runs/<name>-<preset>/report.md` with tables, SVG figures, CSV and JSON.

pub mod ar_vs_diffusion;
pub mod bert_vs_diffusion;
pub mod compare;
pub mod comparison_report;
pub mod context;
pub mod denoising_figures;
pub mod measure;
pub mod models;
pub mod preset;
pub mod pretrained_init;
pub mod runner;
pub mod samplers;
pub mod samplers_cache;
pub mod schedules;

pub use preset::Preset;
pub use runner::{EXPERIMENTS, RunExperiments};
