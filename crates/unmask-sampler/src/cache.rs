//! Fast-dLLM's block cache as the sampler asks for it: in semi-autoregressive decoding the
//! model may reuse keys and values of positions outside the current block, recorded by a full
//! pass at the start of the block (and every `refresh` steps), and run only the block (dual
//! cache) or the block and all after it (prefix cache). The sampler says, per canvas and call,
//! whether to record afresh and which positions to run ([`CacheWindow`]); the model decides
//! how ([`crate::Denoiser::logits_cached`]).

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Which positions a cached step runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CacheMode {
    /// The current block and everything after it; the cache serves the positions before it.
    Prefix,
    /// The current block only; the cache serves the positions before and after it.
    Dual,
}

impl CacheMode {
    pub const NAMES: [&'static str; 2] = ["prefix", "dual"];

    pub fn name(self) -> &'static str {
        match self {
            Self::Prefix => "prefix",
            Self::Dual => "dual",
        }
    }

    /// The canvas positions to run for a block whose generated positions are `block` (in
    /// order, not empty) on a canvas of `len` positions.
    pub fn rows(self, block: &[usize], len: usize) -> Range<usize> {
        let first = block[0];
        match self {
            Self::Prefix => first..len,
            Self::Dual => first..block[block.len() - 1] + 1,
        }
    }
}

impl fmt::Display for CacheMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for CacheMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "prefix" => Ok(Self::Prefix),
            "dual" => Ok(Self::Dual),
            _ => Err(format!(
                "unknown cache `{s}`; known: {}",
                Self::NAMES.join(", ")
            )),
        }
    }
}

/// What one canvas's call asks of a cached denoiser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheWindow {
    /// The canvas's index in the batch given to `Sampler::generate` (the same every step).
    pub canvas: usize,
    /// Record the cache afresh from this canvas: the first call of a block, or the refresh
    /// interval has passed. The logits then come from that full pass.
    pub refresh: bool,
    /// Canvas positions to run afresh; the cache serves every other one. The requested
    /// positions lie inside.
    pub rows: Range<usize>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_a_block() {
        assert_eq!(CacheMode::Prefix.rows(&[3, 4, 7], 12), 3..12);
        assert_eq!(CacheMode::Dual.rows(&[3, 4, 7], 12), 3..8);
        assert_eq!(CacheMode::Dual.rows(&[5], 12), 5..6);
    }

    #[test]
    fn names_parse_back() {
        for name in CacheMode::NAMES {
            assert_eq!(name.parse::<CacheMode>().unwrap().name(), name);
        }
        assert!(
            "suffix"
                .parse::<CacheMode>()
                .unwrap_err()
                .contains("prefix, dual")
        );
    }
}
