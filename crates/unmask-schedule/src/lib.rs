//! Noise schedules of masked (absorbing-state) text diffusion: the mask rate as a
//! function of diffusion time, loss weights, time sampling, a name registry that lets
//! other crates plug in their own schedules, and masking itself ([`Maskable`]: which
//! positions may be masked and the draw of masks at a schedule's rates, shared by training
//! and evaluation). Pure Rust, no tensor library.
//!
//! ```
//! use rand::SeedableRng;
//! use unmask_schedule::{LossWeighting, ScheduleContext, ScheduleRegistry, TimeSampler};
//!
//! let registry = ScheduleRegistry::with_builtins();
//! let schedule = registry.build("linear", &ScheduleContext::default())?;
//! let mut rng = rand::rngs::StdRng::seed_from_u64(0);
//! for t in TimeSampler::default().sample(4, &mut rng) {
//!     let rate = schedule.mask_rate(t); // mask each token with this probability
//!     let weight = LossWeighting::Elbo.weight(schedule.as_ref(), t)?; // 1/t here
//!     assert!((weight - 1.0 / rate).abs() < 1e-9);
//! }
//! # Ok::<(), unmask_schedule::ScheduleError>(())
//! ```

mod args;
mod context;
mod cosine;
mod discrete_levels;
mod error;
mod fixed_rate;
mod linear;
mod log_linear;
mod loss_weighting;
mod masking;
mod mdlm_cosine;
mod params;
mod registry;
mod schedule;
mod spindle;
mod steps;
mod time_sampler;

pub use args::ScheduleArgs;
pub use context::ScheduleContext;
pub use cosine::Cosine;
pub use discrete_levels::DiscreteLevels;
pub use error::ScheduleError;
pub use fixed_rate::FixedRate;
pub use linear::Linear;
pub use log_linear::LogLinear;
pub use loss_weighting::{LossWeighting, MAX_ELBO_WEIGHT};
pub use masking::{MaskDraw, MaskRates, Maskable, RatesOver};
pub use mdlm_cosine::MdlmCosine;
pub use params::MAX_EPS;
pub use registry::{ScheduleFactory, ScheduleRegistry};
pub use schedule::MaskSchedule;
pub use spindle::{SPINDLE_MAX_SURVIVAL, Spindle};
pub use steps::{mask_rate_steps, reveal_probability, time_steps};
pub use time_sampler::{TimeSampler, TimeSampling};
