//! The experiments measure models with `unmask_runtime::measure`, the implementation
//! `unmask eval` runs too; this module only reads the preset's measurement settings.

use anyhow::Result;
use burn::tensor::backend::Backend;
pub use unmask_runtime::measure::*;

use crate::preset::Preset;

/// The held-out measurement of the preset: its block length, blocks, quadrature nodes,
/// mask rates and seed.
pub fn held_out_options(preset: &Preset) -> HeldOutOptions {
    HeldOutOptions {
        block_len: preset.data.block_len,
        blocks: preset.eval.sequences,
        quadrature_nodes: preset.eval.quadrature_nodes,
        mask_rates: preset.eval.mask_rates.clone(),
        seed: preset.seed,
    }
}

/// The bound and the loss curve of `model` on the preset's held-out blocks.
pub fn preset_scores<B: Backend>(
    model: &mut MaskedModel<B>,
    held_out: &HeldOut,
    preset: &Preset,
) -> Result<HeldOutScores> {
    let options = held_out_options(preset);
    let blocks = held_out_blocks(model, held_out, &options)?;
    held_out_scores(model, &blocks, &options, || {})
}

/// The held-out NLL of a causal LM on the preset's blocks under its own tokenizer (the
/// blocks a masked LM of that tokenizer is bounded on).
pub fn preset_causal_scores<B: Backend>(
    model: &mut CausalModel<B>,
    held_out: &HeldOut,
    preset: &Preset,
) -> Result<CausalScores> {
    let blocks = held_out.blocks(
        &model.tokenizer,
        preset.data.block_len,
        preset.eval.sequences,
    )?;
    causal_scores(model, &blocks, || {})
}
