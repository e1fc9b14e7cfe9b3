use burn::module::Module;
use burn::tensor::{Int, Tensor, backend::Backend};
use unmask_gpt2::Gpt2LmHead;
use unmask_modernbert::ModernBert;
use unmask_roberta::MaskedLm;

/// A model the training loop can take a loss of: logits at chosen positions of a batch.
///
/// A masked LM predicts the original token at a masked position; a causal LM predicts the
/// next token. The loop does not care which: the batch names the positions and targets.
pub trait TokenPredictor<B: Backend>: Module<B> {
    /// `[n, vocab]` logits at `flat_positions` (indices into the `batch * seq` positions of
    /// `input_ids`).
    fn logits_at_positions(
        &self,
        input_ids: Tensor<B, 2, Int>,
        flat_positions: Tensor<B, 1, Int>,
    ) -> Tensor<B, 2>;
}

impl<B: Backend> TokenPredictor<B> for MaskedLm<B> {
    fn logits_at_positions(
        &self,
        input_ids: Tensor<B, 2, Int>,
        flat_positions: Tensor<B, 1, Int>,
    ) -> Tensor<B, 2> {
        let hidden = self.encode(input_ids, None, None);
        self.logits_at(hidden, flat_positions)
    }
}

impl<B: Backend> TokenPredictor<B> for Gpt2LmHead<B> {
    fn logits_at_positions(
        &self,
        input_ids: Tensor<B, 2, Int>,
        flat_positions: Tensor<B, 1, Int>,
    ) -> Tensor<B, 2> {
        let hidden = self.forward_hidden(input_ids);
        let [batch, seq, h] = hidden.dims();
        let n = flat_positions.dims()[0];
        let rows = hidden
            .reshape([batch * seq, h])
            .select(0, flat_positions)
            .reshape([1, n, h]);
        let logits = self.logits(rows);
        let vocab = logits.dims()[2];
        logits.reshape([n, vocab])
    }
}

impl<B: Backend> TokenPredictor<B> for ModernBert<B> {
    fn logits_at_positions(
        &self,
        input_ids: Tensor<B, 2, Int>,
        flat_positions: Tensor<B, 1, Int>,
    ) -> Tensor<B, 2> {
        // A causal model's config masks the future; the objective picks the positions.
        let hidden = self.encode(input_ids, None);
        self.logits_at(hidden, flat_positions)
    }
}
