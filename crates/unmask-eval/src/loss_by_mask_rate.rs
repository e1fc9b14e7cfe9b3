use serde::{Deserialize, Serialize};
use unmask_sampler::Denoiser;
use unmask_schedule::MaskRates;

use crate::mask_draw::{MaskPurpose, mask_rng};
use crate::masked_scoring::{MaskedCopy, check_targets, score_masked_copies};
use crate::{EvalError, MaskingOptions};

/// The model's masked-token loss and accuracy at one mask rate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateLoss {
    pub rate: f64,
    pub maskable_tokens: usize,
    pub masked_tokens: usize,
    /// Mean cross-entropy per masked token (nats); `None` where nothing was masked.
    pub mean_loss: Option<f64>,
    /// Standard error of the loss: the standard deviation of the per-sequence mean losses
    /// over the square root of their number (sequences are the independent units; tokens of
    /// one sequence are not). `None` with fewer than two sequences.
    #[serde(default)]
    pub std_error: Option<f64>,
    /// Fraction of masked tokens whose original token has the largest logit.
    pub accuracy: Option<f64>,
    /// Model calls spent on this rate.
    pub nfe: usize,
}

/// Masks every maskable token independently with probability `rate`, for each of `rates`
/// (draw `i` of the mask streams is `rates[i]`), and reports the unweighted loss and top-1
/// accuracy on the masked tokens: the "loss vs mask rate" curve.
pub fn loss_by_mask_rate<D: Denoiser + ?Sized>(
    denoiser: &mut D,
    sequences: &[Vec<u32>],
    rates: &[f64],
    options: &MaskingOptions,
) -> Result<Vec<RateLoss>, EvalError> {
    options.check()?;
    if let Some(&rate) = rates.iter().find(|r| !(0.0..=1.0).contains(*r)) {
        return Err(EvalError::InvalidOption {
            option: "mask rate",
            value: rate.to_string(),
            expected: "a probability in [0, 1]",
        });
    }
    let maskable: Vec<Vec<usize>> = sequences
        .iter()
        .map(|tokens| options.maskable.positions(tokens))
        .collect();
    let maskable_tokens: usize = maskable.iter().map(Vec::len).sum();
    if maskable_tokens == 0 {
        return Err(EvalError::NoMaskableTokens {
            prompt_len: options.maskable.prompt_len,
        });
    }
    check_targets(sequences, &maskable, denoiser.vocab_size())?;

    let mut out = Vec::with_capacity(rates.len());
    for (draw, &rate) in rates.iter().enumerate() {
        let copies: Vec<MaskedCopy> = sequences
            .iter()
            .enumerate()
            .filter_map(|(sequence, tokens)| {
                let mut rng = mask_rng(options.seed, MaskPurpose::RateSweep, draw, sequence);
                let masked = options
                    .maskable
                    .draw(tokens, MaskRates::Fixed(rate), &mut rng)
                    .masked;
                (!masked.is_empty()).then_some(MaskedCopy { sequence, masked })
            })
            .collect();
        let (scores, nfe) = score_masked_copies(
            denoiser,
            sequences,
            &copies,
            options.maskable.mask_id,
            options.batch_size,
        )?;
        let masked_tokens: usize = copies.iter().map(|copy| copy.masked.len()).sum();
        let loss: f64 = scores.iter().map(|score| score.cross_entropy).sum();
        let correct: usize = scores.iter().map(|score| score.correct).sum();
        let per_masked = |value: f64| (masked_tokens > 0).then(|| value / masked_tokens as f64);
        let sequence_means: Vec<f64> = scores
            .iter()
            .zip(&copies)
            .map(|(score, copy)| score.cross_entropy / copy.masked.len() as f64)
            .collect();
        out.push(RateLoss {
            rate,
            maskable_tokens,
            masked_tokens,
            mean_loss: per_masked(loss),
            std_error: standard_error(&sequence_means),
            accuracy: per_masked(correct as f64),
            nfe,
        });
    }
    Ok(out)
}

/// Standard error of the mean of `values`; `None` for fewer than two.
fn standard_error(values: &[f64]) -> Option<f64> {
    let n = values.len();
    if n < 2 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    Some((variance / n as f64).sqrt())
}

#[cfg(test)]
mod tests {
    use super::standard_error;

    #[test]
    fn standard_error_by_hand() {
        // 1, 2, 3: sample variance 1, se = sqrt(1 / 3).
        let se = standard_error(&[1.0, 2.0, 3.0]).unwrap();
        assert!((se - (1.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(standard_error(&[4.0]), None);
        assert_eq!(standard_error(&[2.0, 2.0]), Some(0.0));
    }
}
