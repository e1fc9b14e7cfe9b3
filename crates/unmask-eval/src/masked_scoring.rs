//! Scores masked copies of sequences with a denoiser, several per model call.

use unmask_sampler::Denoiser;

use crate::EvalError;
use crate::cross_entropy::{argmax, cross_entropy, invalid_logit};

/// One masked copy of a sequence to score: `masked` positions (increasing, non-empty) are
/// replaced by the mask id and the model is asked for their original tokens.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MaskedCopy {
    pub sequence: usize,
    pub masked: Vec<usize>,
}

/// What the model got right and wrong on one masked copy.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct CopyScore {
    /// Sum over masked positions of the cross-entropy of the original token (nats).
    pub cross_entropy: f64,
    /// Masked positions whose original token has the largest logit.
    pub correct: usize,
}

/// Scores `copies` with `batch_size` copies per model call; returns one score per copy, in
/// order, and the number of model calls.
pub(crate) fn score_masked_copies<D: Denoiser + ?Sized>(
    denoiser: &mut D,
    sequences: &[Vec<u32>],
    copies: &[MaskedCopy],
    mask_id: u32,
    batch_size: usize,
) -> Result<(Vec<CopyScore>, usize), EvalError> {
    let vocab = denoiser.vocab_size();
    let mut scores = Vec::with_capacity(copies.len());
    let mut calls = 0;
    for batch in copies.chunks(batch_size.max(1)) {
        calls += 1;
        let canvases: Vec<Vec<u32>> = batch
            .iter()
            .map(|copy| {
                let mut canvas = sequences[copy.sequence].clone();
                for &position in &copy.masked {
                    canvas[position] = mask_id;
                }
                canvas
            })
            .collect();
        let tokens: Vec<&[u32]> = canvases.iter().map(Vec::as_slice).collect();
        let positions: Vec<&[usize]> = batch.iter().map(|copy| copy.masked.as_slice()).collect();
        let logits = denoiser
            .logits(&tokens, &positions)
            .map_err(|source| EvalError::Model {
                call: calls,
                source: source.into(),
            })?;
        if logits.len() != batch.len() {
            return Err(EvalError::WrongBatchSize {
                call: calls,
                expected: batch.len(),
                got: logits.len(),
            });
        }
        for (canvas, (copy, rows)) in batch.iter().zip(&logits).enumerate() {
            let expected = copy.masked.len() * vocab;
            if rows.len() != expected {
                return Err(EvalError::WrongLogitCount {
                    call: calls,
                    canvas,
                    expected,
                    got: rows.len(),
                });
            }
            let original = &sequences[copy.sequence];
            let mut score = CopyScore::default();
            for (row, &position) in rows.chunks_exact(vocab).zip(&copy.masked) {
                if let Some((_, value)) = invalid_logit(row) {
                    return Err(EvalError::BadLogit {
                        call: calls,
                        canvas,
                        position,
                        value,
                    });
                }
                let target = original[position] as usize;
                score.cross_entropy += cross_entropy(row, target);
                score.correct += usize::from(argmax(row) == target);
            }
            scores.push(score);
        }
    }
    Ok((scores, calls))
}

/// Fails unless every maskable token of `sequences` is a valid id for `vocab` logits.
pub(crate) fn check_targets(
    sequences: &[Vec<u32>],
    maskable_positions: &[Vec<usize>],
    vocab: usize,
) -> Result<(), EvalError> {
    if vocab == 0 {
        return Err(EvalError::EmptyVocabulary);
    }
    for (sequence, (tokens, positions)) in sequences.iter().zip(maskable_positions).enumerate() {
        for &position in positions {
            let token = tokens[position];
            if token as usize >= vocab {
                return Err(EvalError::TokenOutOfVocabulary {
                    sequence,
                    position,
                    token,
                    vocab,
                });
            }
        }
    }
    Ok(())
}
