//! The measurements of masked text diffusion (see `docs/evaluation.md`):
//!
//! - [`perplexity_bound`]: the ELBO bound on the perplexity of held-out text, integrated
//!   over diffusion time with a fixed [`TimeQuadrature`] and deterministic masks;
//! - [`loss_by_mask_rate`]: masked-token loss and accuracy at given mask rates;
//! - [`SampleStats`], [`unigram_entropy`], [`repeated_ngram_rate`], [`distinct_n`]:
//!   diversity of generated samples;
//! - [`generative_perplexity`]: perplexity of samples under a [`CausalScorer`];
//! - [`WordStats`]: the same on whitespace words, with the share of words found in the
//!   training text (comparable across tokenizers and with real text);
//! - [`SpeedReport`]: model calls and tokens per second.
//!
//! The model is seen only through `unmask_sampler::Denoiser`; nothing here needs a tensor
//! library.
//!
//! ```
//! use unmask_eval::{BoundOptions, MaskingOptions, perplexity_bound};
//! use unmask_sampler::Denoiser;
//!
//! /// Knows nothing: the same logit for every token of a vocabulary of 100.
//! struct Clueless;
//! impl Denoiser for Clueless {
//!     fn vocab_size(&self) -> usize { 100 }
//!     fn logits(&mut self, _: &[&[u32]], positions: &[&[usize]]) -> anyhow::Result<Vec<Vec<f32>>> {
//!         Ok(positions.iter().map(|p| vec![0.0; p.len() * 100]).collect())
//!     }
//! }
//!
//! let held_out: Vec<Vec<u32>> = (0..32).map(|s| (1..=64).map(|i| (i * s) % 99 + 1).collect()).collect();
//! let masking = MaskingOptions::new(0).with_protected_ids([1]).with_seed(7);
//! let report = perplexity_bound(&mut Clueless, &held_out, &BoundOptions::new(0).with_masking(masking))?;
//! // About ln 100 = 4.6 nats per token, i.e. perplexity about 100.
//! assert!((report.nll_per_token - 100f64.ln()).abs() < 0.2);
//! # Ok::<(), unmask_eval::EvalError>(())
//! ```

mod cross_entropy;
mod entropy;
mod error;
mod generative_perplexity;
mod loss_by_mask_rate;
pub mod mask_draw;
mod masked_scoring;
mod masking_options;
mod ngrams;
mod perplexity_bound;
mod quadrature;
mod sample_stats;
mod speed;
mod word_stats;

pub use entropy::{unigram_entropy, unigram_entropy_nats};
pub use error::{BoxedError, EvalError};
pub use generative_perplexity::{
    CausalScorer, GenPplReport, SampleGenPpl, generative_perplexity,
    generative_perplexity_retokenized,
};
pub use loss_by_mask_rate::{RateLoss, loss_by_mask_rate};
pub use masking_options::MaskingOptions;
pub use ngrams::{distinct_n, ngram_count, repeated_ngram_rate};
pub use perplexity_bound::{BoundOptions, BoundReport, NodeLoss, perplexity_bound};
pub use quadrature::TimeQuadrature;
pub use sample_stats::{NgramStats, SampleStats};
pub use speed::SpeedReport;
/// Which positions may be masked: the trainer's rule too (`unmask_schedule::masking`).
pub use unmask_schedule::Maskable;
pub use word_stats::{WordStats, WordVocabulary, normalize_word};
