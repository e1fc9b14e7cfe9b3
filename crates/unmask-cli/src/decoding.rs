//! Semi-autoregressive blocks and the block cache, as `unmask generate` and
//! `unmask eval --generate` both take them: one set of flags, one way into the sampler's
//! configuration, whose validation (`Sampler::new`) refuses what cannot work with the reason.

use clap::Args;
use unmask_sampler::{CacheMode, Sampler, SamplerConfig};

#[derive(Args, Debug, Clone, Default)]
pub struct BlockDecoding {
    /// Semi-autoregressive blocks of this many tokens (diffusion sampler).
    #[arg(long)]
    pub block: Option<usize>,
    /// Block cache (Fast-dLLM): prefix | dual. Needs --block; refused with `seed` and --remask.
    #[arg(long)]
    pub cache: Option<CacheMode>,
    /// With --cache: record the cache afresh every this many steps of a block too
    /// (1: every step, the tokens of uncached decoding); unset: at block starts only.
    #[arg(long)]
    pub cache_refresh: Option<usize>,
}

impl BlockDecoding {
    /// `config` with these blocks and this cache.
    pub fn apply(&self, config: SamplerConfig) -> SamplerConfig {
        SamplerConfig {
            block_len: self.block,
            cache: self.cache,
            cache_refresh: self.cache_refresh,
            ..config
        }
    }

    /// `config` with these blocks and this cache, refused as the sampler refuses it.
    pub fn check(&self, config: SamplerConfig) -> Result<SamplerConfig, String> {
        let config = self.apply(config);
        Sampler::new(config.clone()).map_err(|e| e.to_string())?;
        Ok(config)
    }

    /// ", blocks of 16, dual cache, refreshed every 4 steps" (empty without blocks).
    pub fn describe(&self) -> String {
        let mut text = String::new();
        if let Some(block) = self.block {
            text.push_str(&format!(", blocks of {block}"));
        }
        if let Some(cache) = self.cache {
            text.push_str(&format!(", {cache} cache"));
        }
        if let Some(every) = self.cache_refresh {
            text.push_str(&format!(", refreshed every {every} steps"));
        }
        text
    }
}
