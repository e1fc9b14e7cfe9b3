//! Turning one position's logits into a token: greedy, or temperature + top-k + top-p
//! sampling from a seeded generator, through the sampler crate's token sampler.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::error::Gpt2Error;

/// How `generate` picks tokens.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOptions {
    /// Tokens to generate after the prompt (fewer if EOS stops it).
    pub max_new_tokens: usize,
    /// Logits are divided by it; 0 means greedy (argmax).
    pub temperature: f32,
    /// Keep only the `k` most probable tokens (`k >= 1`).
    pub top_k: Option<usize>,
    /// Keep the fewest most-probable tokens whose mass reaches `p` (`0 < p <= 1`), after top-k.
    pub top_p: Option<f32>,
    /// Seed of the sampling generator: the same seed gives the same tokens.
    pub seed: u64,
    /// Stop after the model emits `eos_token_id` (which is included in the output).
    pub stop_at_eos: bool,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self {
            max_new_tokens: 50,
            temperature: 1.0,
            top_k: None,
            top_p: None,
            seed: 0,
            stop_at_eos: true,
        }
    }
}

impl GenerateOptions {
    /// Greedy decoding of `max_new_tokens` tokens.
    pub fn greedy(max_new_tokens: usize) -> Self {
        Self {
            max_new_tokens,
            temperature: 0.0,
            ..Self::default()
        }
    }

    pub fn validate(&self) -> Result<(), Gpt2Error> {
        if !self.temperature.is_finite() || self.temperature < 0.0 {
            return Err(Gpt2Error::Options(format!(
                "temperature must be a finite number >= 0 (0 = greedy), got {}",
                self.temperature
            )));
        }
        if self.top_k == Some(0) {
            return Err(Gpt2Error::Options(
                "top_k must be at least 1 (or unset to keep every token)".into(),
            ));
        }
        if let Some(p) = self.top_p.filter(|p| !(*p > 0.0 && *p <= 1.0)) {
            return Err(Gpt2Error::Options(format!(
                "top_p must be in (0, 1], got {p}"
            )));
        }
        Ok(())
    }
}

/// Picks tokens one position at a time according to [`GenerateOptions`]: the workspace's one
/// token sampler ([`unmask_sampler::TokenSampler`]) fed by a seeded ChaCha8 stream.
pub struct TokenSampler {
    tokens: unmask_sampler::TokenSampler,
    rng: ChaCha8Rng,
}

impl TokenSampler {
    pub fn new(opts: &GenerateOptions) -> Result<Self, Gpt2Error> {
        opts.validate()?;
        Ok(Self {
            tokens: unmask_sampler::TokenSampler::new(
                opts.temperature as f64,
                opts.top_k,
                opts.top_p.map(f64::from),
                &[],
            ),
            rng: ChaCha8Rng::seed_from_u64(opts.seed),
        })
    }

    /// The next token for one position's logits (overwritten: the row is scratch space).
    pub fn pick(&mut self, logits: &mut [f32]) -> Result<u32, Gpt2Error> {
        self.tokens
            .pick(logits, &mut self.rng)
            .map_err(|problem| Gpt2Error::Sampling(problem.to_string()))
    }
}
