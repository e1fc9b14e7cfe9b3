//! A burn ModernBERT that loads and saves Hugging Face checkpoints and matches transformers'
//! logits: as a masked LM (bidirectional, the diffusion denoiser) and, with `causal`, as a
//! causal LM (the autoregressive baseline on the same network).

mod attention;
mod band;
pub mod checkpoint;
pub mod config;
mod context_cache;
mod layer;
pub mod model;
pub mod params;
mod rope;

pub use attention::{KeySource, ScoreBias};
pub use band::Band;
pub use checkpoint::{LoadReport, load_modernbert, save_modernbert};
pub use config::{AttentionKind, ModernBertConfig};
pub use context_cache::ContextCache;
pub use model::{KvCache, ModernBert};
pub use rope::Rope;

use burn::tensor::backend::Backend;
use unmask_nn::hf_params::RandomInit;

impl ModernBertConfig {
    /// A freshly initialised model, drawn from the backend's generator (seed it first).
    pub fn init<B: Backend>(
        &self,
        device: &B::Device,
    ) -> Result<ModernBert<B>, unmask_nn::ModelError> {
        self.validate()?;
        let mut model = params::skeleton(self, device);
        model.walk(&mut RandomInit { device })?;
        Ok(model)
    }
}
