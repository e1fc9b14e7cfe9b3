//! What unmask's front ends (the `unmask` command, the experiments, the benchmarks) share:
//! `--device` and the backend it names, `--model` sources, and the masked LM behind the
//! sampler's `Denoiser` trait.

pub mod denoiser;
pub mod device;
pub mod source;
