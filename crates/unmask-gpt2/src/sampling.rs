//! Turning one position's logits into a token: greedy, or temperature + top-k + top-p
//! sampling from a seeded generator. Plain Rust on the host: a vocabulary row is small.

use rand::{Rng, SeedableRng};
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

/// The index of the largest logit (the first one on ties; NaNs are never picked unless
/// every value is NaN).
pub fn argmax(logits: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in logits.iter().enumerate() {
        if v > logits[best] || logits[best].is_nan() {
            best = i;
        }
    }
    best
}

/// The distribution sampling draws from: `softmax(logits / temperature)`, restricted to the
/// `top_k` most probable tokens, then to the smallest most-probable prefix whose
/// (renormalised) mass reaches `top_p`, renormalised. Removed tokens get probability 0.
/// Ties are broken by token id (lower first). `temperature` must be > 0.
pub fn filtered_probs(
    logits: &[f32],
    temperature: f32,
    top_k: Option<usize>,
    top_p: Option<f32>,
) -> Vec<f32> {
    let scaled: Vec<f64> = logits
        .iter()
        .map(|&l| {
            if l.is_nan() {
                f64::NEG_INFINITY
            } else {
                l as f64 / temperature as f64
            }
        })
        .collect();
    let max = scaled.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut probs: Vec<f64> = scaled.iter().map(|&s| (s - max).exp()).collect();
    let keep_k = top_k.unwrap_or(probs.len()).min(probs.len());
    if keep_k < probs.len() || top_p.is_some_and(|p| p < 1.0) {
        let mut order: Vec<usize> = (0..probs.len()).collect();
        // Stable sort: equal probabilities stay in id order.
        order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
        let mut kept = keep_k;
        if let Some(p) = top_p {
            let mass: f64 = order[..keep_k].iter().map(|&i| probs[i]).sum();
            let mut cumulative = 0.0;
            for (rank, &i) in order[..keep_k].iter().enumerate() {
                cumulative += probs[i] / mass;
                if cumulative >= p as f64 {
                    kept = rank + 1;
                    break;
                }
            }
        }
        for &i in &order[kept..] {
            probs[i] = 0.0;
        }
    }
    let total: f64 = probs.iter().sum();
    probs.iter().map(|&p| (p / total) as f32).collect()
}

/// Draws an index from `probs` (non-negative, summing to about 1) with one uniform number.
pub fn sample_index(probs: &[f32], rng: &mut impl Rng) -> usize {
    let total: f64 = probs.iter().map(|&p| p as f64).sum();
    let u = rng.random::<f64>() * total;
    let mut cumulative = 0.0;
    let mut last_positive = 0;
    for (i, &p) in probs.iter().enumerate() {
        if p > 0.0 {
            cumulative += p as f64;
            last_positive = i;
            if u < cumulative {
                return i;
            }
        }
    }
    // Rounding can leave u just above the final cumulative sum.
    last_positive
}

/// Picks tokens one position at a time according to [`GenerateOptions`].
pub struct TokenSampler {
    temperature: f32,
    top_k: Option<usize>,
    top_p: Option<f32>,
    rng: ChaCha8Rng,
}

impl TokenSampler {
    pub fn new(opts: &GenerateOptions) -> Result<Self, Gpt2Error> {
        opts.validate()?;
        Ok(Self {
            temperature: opts.temperature,
            top_k: opts.top_k,
            top_p: opts.top_p,
            rng: ChaCha8Rng::seed_from_u64(opts.seed),
        })
    }

    /// The next token for one position's logits.
    pub fn pick(&mut self, logits: &[f32]) -> u32 {
        if self.temperature == 0.0 {
            return argmax(logits) as u32;
        }
        let probs = filtered_probs(logits, self.temperature, self.top_k, self.top_p);
        sample_index(&probs, &mut self.rng) as u32
    }
}
