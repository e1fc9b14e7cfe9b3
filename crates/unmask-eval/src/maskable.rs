use serde::{Deserialize, Serialize};

/// Which positions of a sequence may be masked, and the mask id put there.
///
/// Never masked: the first `prompt_len` positions, the `protected_ids` (special tokens:
/// bos, eos, padding, ...) and the mask id itself (held-out text should not contain it; if
/// it does, there is no original token to score).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Maskable {
    pub mask_id: u32,
    pub protected_ids: Vec<u32>,
    pub prompt_len: usize,
}

impl Maskable {
    /// Every position maskable except those holding `mask_id`.
    pub fn new(mask_id: u32) -> Self {
        Self {
            mask_id,
            protected_ids: Vec::new(),
            prompt_len: 0,
        }
    }

    pub fn with_protected_ids(mut self, ids: impl IntoIterator<Item = u32>) -> Self {
        self.protected_ids = ids.into_iter().collect();
        self
    }

    pub fn with_prompt_len(mut self, prompt_len: usize) -> Self {
        self.prompt_len = prompt_len;
        self
    }

    /// Whether `token` at `position` may be masked.
    pub fn allows(&self, position: usize, token: u32) -> bool {
        position >= self.prompt_len && token != self.mask_id && !self.protected_ids.contains(&token)
    }

    /// The maskable positions of `tokens`, increasing.
    pub fn positions(&self, tokens: &[u32]) -> Vec<usize> {
        tokens
            .iter()
            .enumerate()
            .filter(|&(position, &token)| self.allows(position, token))
            .map(|(position, _)| position)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_prompt_protected_and_mask_ids() {
        let maskable = Maskable::new(9)
            .with_protected_ids([0, 2])
            .with_prompt_len(2);
        assert_eq!(maskable.positions(&[5, 5, 0, 7, 9, 2, 8]), vec![3, 6]);
        assert_eq!(Maskable::new(9).positions(&[1, 9, 3]), vec![0, 2]);
        assert!(maskable.positions(&[]).is_empty());
    }
}
