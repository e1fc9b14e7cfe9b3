use serde::{Deserialize, Serialize};

use crate::{EvalError, SampleStats};

/// An autoregressive evaluator model (GPT-2 Large in the papers).
pub trait CausalScorer {
    /// `-ln p(ids[i] | ids[..i])` in nats for i = 1..ids.len(): `ids.len() - 1` values
    /// (the first token has no prefix and is not scored). Called only with 2 or more ids.
    fn token_nll(&mut self, ids: &[u32]) -> anyhow::Result<Vec<f32>>;
}

impl<S: CausalScorer + ?Sized> CausalScorer for &mut S {
    fn token_nll(&mut self, ids: &[u32]) -> anyhow::Result<Vec<f32>> {
        (**self).token_nll(ids)
    }
}

/// One sample's score under the evaluator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleGenPpl {
    /// Evaluator tokens scored (length - 1; 0 for samples under 2 tokens).
    pub scored_tokens: usize,
    /// Summed NLL (nats).
    pub nll: f64,
    /// `exp(nll / scored_tokens)`; `None` where nothing was scored.
    pub perplexity: Option<f64>,
}

/// Generative perplexity of samples, with the samples' diversity beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenPplReport {
    /// `exp(total NLL / total scored tokens)`: token-weighted over samples.
    pub perplexity: f64,
    /// Total NLL / total scored tokens (nats).
    pub nll_per_token: f64,
    pub scored_tokens: usize,
    pub per_sample: Vec<SampleGenPpl>,
    /// Statistics of the samples as given (the generator's ids): low entropy exposes
    /// repetitive text that a low perplexity would flatter. Always report it too.
    pub sample_stats: SampleStats,
}

/// Generative perplexity of `samples`, which must already be evaluator token ids; use
/// [`generative_perplexity_retokenized`] for samples in the generator's ids.
pub fn generative_perplexity<S: CausalScorer + ?Sized>(
    scorer: &mut S,
    samples: &[Vec<u32>],
) -> Result<GenPplReport, EvalError> {
    generative_perplexity_retokenized(scorer, samples, |ids| Ok(ids.to_vec()))
}

/// Generative perplexity of `samples` (generator ids) after `retokenize` maps each to the
/// evaluator's ids (typically: decode with the generator's tokenizer, encode with the
/// evaluator's, truncate to its context). The entropy statistics are of the generator ids.
pub fn generative_perplexity_retokenized<S, F>(
    scorer: &mut S,
    samples: &[Vec<u32>],
    mut retokenize: F,
) -> Result<GenPplReport, EvalError>
where
    S: CausalScorer + ?Sized,
    F: FnMut(&[u32]) -> anyhow::Result<Vec<u32>>,
{
    let mut per_sample = Vec::with_capacity(samples.len());
    for (index, sample) in samples.iter().enumerate() {
        let ids = retokenize(sample).map_err(|source| EvalError::Retokenize {
            sample: index,
            source: source.into(),
        })?;
        per_sample.push(score_sample(scorer, index, &ids)?);
    }
    let scored_tokens: usize = per_sample.iter().map(|s| s.scored_tokens).sum();
    if scored_tokens == 0 {
        return Err(EvalError::NothingScored);
    }
    let nll: f64 = per_sample.iter().map(|s| s.nll).sum();
    let nll_per_token = nll / scored_tokens as f64;
    Ok(GenPplReport {
        perplexity: nll_per_token.exp(),
        nll_per_token,
        scored_tokens,
        per_sample,
        sample_stats: SampleStats::from_samples(samples),
    })
}

fn score_sample<S: CausalScorer + ?Sized>(
    scorer: &mut S,
    sample: usize,
    ids: &[u32],
) -> Result<SampleGenPpl, EvalError> {
    if ids.len() < 2 {
        return Ok(SampleGenPpl {
            scored_tokens: 0,
            nll: 0.0,
            perplexity: None,
        });
    }
    let values = scorer.token_nll(ids).map_err(|source| EvalError::Scorer {
        sample,
        source: source.into(),
    })?;
    let expected = ids.len() - 1;
    if values.len() != expected {
        return Err(EvalError::WrongNllCount {
            sample,
            tokens: ids.len(),
            expected,
            got: values.len(),
        });
    }
    if let Some((index, &value)) = values
        .iter()
        .enumerate()
        .find(|&(_, &v)| !v.is_finite() || v < 0.0)
    {
        return Err(EvalError::BadNll {
            sample,
            index,
            value,
        });
    }
    let nll: f64 = values.iter().map(|&v| v as f64).sum();
    Ok(SampleGenPpl {
        scored_tokens: expected,
        nll,
        perplexity: Some((nll / expected as f64).exp()),
    })
}
