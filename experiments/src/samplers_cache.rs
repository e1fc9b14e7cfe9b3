//! The `samplers` experiment's block cache rows: each policy that can take a cache, at the
//! preset's steps, in four semi-autoregressive blocks, without a cache and with Fast-dLLM's
//! prefix and dual caches (refreshed at block starts only): what the cache saves in time
//! and what it costs in quality.

use anyhow::Result;
use burn::tensor::backend::AutodiffBackend;
use unmask_report::{Cell, Report, Table};
use unmask_sampler::{CacheMode, PolicyKind, Sampler};

use crate::context::Context;
use crate::measure::{self, MaskedModel};
use crate::samplers::SamplerResult;

/// Blocks the generated tokens are cut into for the comparison.
pub const BLOCKS: usize = 4;

/// Rows for every policy of `policies` the cache serves (not `seed`), when `steps` covers
/// the blocks: no cache, prefix, dual.
pub fn block_cache_rows<B: AutodiffBackend>(
    ctx: &mut Context<B>,
    masked: &mut MaskedModel<B::InnerBackend>,
    gen_len: usize,
    policies: &[PolicyKind],
    steps: usize,
) -> Result<Vec<SamplerResult>> {
    let block_len = gen_len.div_ceil(BLOCKS);
    let mut rows = Vec::new();
    if steps < gen_len.div_ceil(block_len) {
        return Ok(rows);
    }
    for &policy in policies.iter().filter(|&&p| p != PolicyKind::Seed) {
        for cache in [None, Some(CacheMode::Prefix), Some(CacheMode::Dual)] {
            let label = cache.map_or("none", CacheMode::name);
            eprintln!("[samplers] {policy}, {steps} steps, blocks of {block_len}, cache {label}");
            let mut config = measure::diffusion_config(masked, policy, steps, ctx.preset.seed);
            config.block_len = Some(block_len);
            config.cache = cache;
            let sampler = Sampler::new(config)?;
            let samples = measure::diffusion_samples_with(masked, &ctx.prompts, gen_len, &sampler)?;
            let generated = ctx.score(&masked.tokenizer, samples)?;
            rows.push(SamplerResult {
                policy,
                steps,
                block_len: Some(block_len),
                cache,
                generated,
            });
        }
    }
    Ok(rows)
}

/// The rows' table (`samplers_cache.csv`), under its own heading; nothing without rows.
pub fn block_cache_table(report: &mut Report, rows: &[SamplerResult]) -> Result<()> {
    let Some(first) = rows.first() else {
        return Ok(());
    };
    report.heading("Block cache");
    report.paragraph(&format!(
        "Each policy at {} steps in blocks of {} tokens, without a cache and with Fast-dLLM's \
         prefix and dual caches recorded at each block's first step (docs/sampling.md). The \
         cached steps reuse keys and values of positions outside the rows they run, so their \
         text can differ from the uncached run's.",
        first.steps,
        first.block_len.unwrap_or_default()
    ));
    let mut table = Table::new([
        "policy",
        "cache",
        "NFE",
        "wall s",
        "tokens/s",
        "gen ppl",
        "known words",
    ])
    .significant_digits(4);
    for r in rows {
        let g = &r.generated;
        table.push_row([
            Cell::text(r.policy.name()),
            Cell::text(r.cache.map_or("none", CacheMode::name)),
            g.samples.speed.nfe.into(),
            g.samples.speed.wall_seconds.into(),
            g.samples.speed.tokens_per_second.into(),
            g.gen_ppl.perplexity.into(),
            g.words.known_word_share.into(),
        ])?;
    }
    report.table_with_csv(&table, "samplers_cache.csv")?;
    Ok(())
}
