//! BERT's special case of diffusion: one step. Top-k candidates for each masked position,
//! with the fields of transformers' fill-mask pipeline.

use burn::tensor::activation::softmax;
use burn::tensor::{Int, Tensor, TensorData, backend::Backend};
use serde::Serialize;
use unmask_nn::ModelError;

use crate::model::MaskedLm;

/// One candidate for one `<mask>`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Candidate {
    /// Probability of the token at this position.
    pub score: f32,
    /// Token id.
    pub token: u32,
    /// The token decoded on its own.
    pub token_str: String,
    /// The whole text with this candidate written at this mask (other masks left out).
    pub sequence: String,
}

/// The top-k `(token, probability)` pairs at one masked position, best first.
pub type MaskPredictions = (usize, Vec<(u32, f32)>);

/// Probabilities at each masked position: `(position, top-k (token, prob))`, best first.
pub fn top_k_at_masks<B: Backend>(
    model: &MaskedLm<B>,
    ids: &[u32],
    mask_id: u32,
    top_k: usize,
    device: &B::Device,
) -> Result<Vec<MaskPredictions>, ModelError> {
    let positions: Vec<usize> = (0..ids.len()).filter(|&i| ids[i] == mask_id).collect();
    if positions.is_empty() {
        return Err(ModelError::Invalid(
            "the text has no mask token to fill".to_string(),
        ));
    }
    let max_len = model.config().max_sequence_len();
    if ids.len() > max_len {
        return Err(ModelError::Invalid(format!(
            "the text is {} tokens long; this model takes at most {max_len}",
            ids.len()
        )));
    }
    let input: Vec<i64> = ids.iter().map(|&t| t as i64).collect();
    let input = Tensor::<B, 2, Int>::from_data(TensorData::new(input, [1, ids.len()]), device);
    let picks: Vec<i64> = positions.iter().map(|&p| p as i64).collect();
    let picks = Tensor::<B, 1, Int>::from_data(TensorData::new(picks, [positions.len()]), device);
    let hidden = model.encode(input, None, None);
    let probs = softmax(model.logits_at(hidden, picks), 1);
    let vocab = model.config().vocab_size;
    let probs = probs
        .into_data()
        .convert::<f32>()
        .into_vec::<f32>()
        .map_err(|e| ModelError::Invalid(format!("{e:?}")))?;
    let k = top_k.min(vocab);
    Ok(positions
        .iter()
        .zip(probs.chunks_exact(vocab))
        .map(|(&pos, row)| (pos, top_k_of(row, k)))
        .collect())
}

/// The `k` largest entries of `row`, best first (ties: lower id first).
pub fn top_k_of(row: &[f32], k: usize) -> Vec<(u32, f32)> {
    let mut idx: Vec<u32> = (0..row.len() as u32).collect();
    let by_score = |a: &u32, b: &u32| row[*b as usize].total_cmp(&row[*a as usize]).then(a.cmp(b));
    if k < idx.len() {
        idx.select_nth_unstable_by(k, by_score);
        idx.truncate(k);
    }
    idx.sort_by(by_score);
    idx.into_iter().map(|i| (i, row[i as usize])).collect()
}

#[cfg(test)]
mod tests {
    use super::top_k_of;

    #[test]
    fn top_k_is_sorted_and_breaks_ties_by_id() {
        let row = [0.1, 0.4, 0.2, 0.4, 0.05];
        assert_eq!(top_k_of(&row, 3), vec![(1, 0.4), (3, 0.4), (2, 0.2)]);
        assert_eq!(top_k_of(&row, 10).len(), 5);
    }
}
