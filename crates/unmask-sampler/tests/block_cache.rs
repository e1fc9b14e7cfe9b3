//! The block cache as the sampler asks for it: which calls record the cache afresh and which
//! positions each call must run, per canvas of a batch; that the batch moves through each
//! block together; that asking for a cache changes no token when the model answers every
//! call in full; and the configurations it refuses.

mod common;

use common::{FakeModel, config, prompted};
use unmask_sampler::{
    CacheMode, CacheWindow, Canvas, Denoiser, NoObserver, PolicyKind, Sampler, SamplerConfig,
    SamplerError,
};

/// Answers in full (as the default `logits_cached` does) and records every call's windows
/// and requested positions.
struct WindowLog {
    model: FakeModel,
    calls: Vec<(Vec<CacheWindow>, Vec<Vec<usize>>)>,
}

impl Denoiser for WindowLog {
    fn vocab_size(&self) -> usize {
        self.model.vocab_size()
    }

    fn logits(
        &mut self,
        _tokens: &[&[u32]],
        _positions: &[&[usize]],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        anyhow::bail!("a cached run asks through logits_cached")
    }

    fn logits_cached(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
        windows: &[CacheWindow],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        let requested = positions.iter().map(|p| p.to_vec()).collect();
        self.calls.push((windows.to_vec(), requested));
        self.model.logits(tokens, positions)
    }
}

/// Two canvases of different lengths (so they leave their blocks at different steps): a
/// 3-token prompt, 10 and 6 generated positions, a 2-token suffix.
fn batch() -> Vec<Canvas> {
    vec![
        prompted(0, &[5, 6], 10, &[7, 8]),
        prompted(1, &[5, 6], 6, &[7, 8]),
    ]
}

fn cached(policy: PolicyKind, cache: CacheMode, refresh: Option<usize>) -> SamplerConfig {
    SamplerConfig {
        block_len: Some(4),
        cache: Some(cache),
        cache_refresh: refresh,
        ..config(policy, 12)
    }
}

#[test]
fn each_block_records_the_cache_at_its_first_call_and_every_refresh_interval() {
    for (cache, refresh) in [
        (CacheMode::Prefix, None),
        (CacheMode::Dual, None),
        (CacheMode::Prefix, Some(2)),
        (CacheMode::Dual, Some(1)),
    ] {
        let mut log = WindowLog {
            model: FakeModel::new(30),
            calls: Vec::new(),
        };
        let sampler = Sampler::new(cached(PolicyKind::Margin, cache, refresh)).unwrap();
        let canvases = batch();
        sampler
            .generate(&mut log, canvases.clone(), &mut NoObserver)
            .unwrap();
        // Per canvas: the generated positions 3.. in blocks of 4; (block start, calls in it).
        let mut seen: Vec<Option<(usize, usize)>> = vec![None; 2];
        let mut blocks_seen = [0, 0];
        for (windows, requested) in &log.calls {
            let blocks: Vec<usize> = windows.iter().map(|w| (w.rows.start - 3) / 4).collect();
            assert!(
                blocks.windows(2).all(|pair| pair[0] == pair[1]),
                "{cache}: one call, canvases in blocks {blocks:?}: the batch moves through \
                 each block together"
            );
            for (window, requested) in windows.iter().zip(requested) {
                let b = window.canvas;
                let len = canvases[b].len();
                let generated_end = len - 2;
                let start = window.rows.start;
                assert_eq!((start - 3) % 4, 0, "{cache}: rows {:?}", window.rows);
                let block_end = (start + 4).min(generated_end);
                let want_rows = match cache {
                    CacheMode::Prefix => start..len,
                    CacheMode::Dual => start..block_end,
                };
                assert_eq!(window.rows, want_rows, "{cache}, canvas {b}");
                assert!(
                    requested.iter().all(|p| (start..block_end).contains(p)),
                    "{cache}: requested {requested:?} outside the block at {start}"
                );
                let call_in_block = match seen[b] {
                    Some((s, calls)) if s == start => calls,
                    _ => {
                        blocks_seen[b] += 1;
                        0
                    }
                };
                let want_refresh = match refresh {
                    None => call_in_block == 0,
                    Some(every) => call_in_block % every == 0,
                };
                assert_eq!(
                    window.refresh, want_refresh,
                    "{cache} refresh {refresh:?}: canvas {b}, call {call_in_block} of the block at {start}"
                );
                seen[b] = Some((start, call_in_block + 1));
            }
        }
        assert_eq!(blocks_seen, [3, 2], "{cache}: every block was visited");
    }
}

#[test]
fn asking_for_a_cache_changes_no_token_when_the_model_answers_in_full() {
    for policy in [
        PolicyKind::Ancestral,
        PolicyKind::Prob,
        PolicyKind::Margin,
        PolicyKind::Entropy,
        PolicyKind::Random,
        PolicyKind::Threshold,
    ] {
        for cache in [CacheMode::Prefix, CacheMode::Dual] {
            let with_cache = cached(policy, cache, None);
            let without = SamplerConfig {
                cache: None,
                ..with_cache.clone()
            };
            let mut model = FakeModel::new(30);
            let run = |config: SamplerConfig, model: &mut FakeModel| {
                Sampler::new(config)
                    .unwrap()
                    .generate(model, batch(), &mut NoObserver)
                    .unwrap()
            };
            let a = run(with_cache, &mut model);
            let b = run(without, &mut model);
            let tokens = |g: &unmask_sampler::Generation| {
                g.canvases
                    .iter()
                    .map(|c| c.tokens().to_vec())
                    .collect::<Vec<_>>()
            };
            // Waiting for the batch at block ends takes no step and draws no number.
            assert_eq!(tokens(&a), tokens(&b), "{policy}, {cache}");
            assert!(a.nfe >= b.nfe, "{policy}, {cache}");
        }
    }
}

#[test]
fn a_cache_without_blocks_or_with_rewriting_policies_is_refused_with_the_reason() {
    let refused = |config: SamplerConfig| Sampler::new(config).unwrap_err();
    let no_blocks = SamplerConfig {
        block_len: None,
        ..cached(PolicyKind::Margin, CacheMode::Prefix, None)
    };
    let err = refused(no_blocks);
    assert!(
        matches!(err, SamplerError::CacheWithoutBlocks { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("block length"), "{err}");

    let err = refused(cached(PolicyKind::Seed, CacheMode::Dual, None));
    assert!(matches!(err, SamplerError::CacheRewrites { .. }), "{err}");
    assert!(err.to_string().contains("`seed`"), "{err}");
    assert!(
        err.to_string().contains("rewrites committed tokens"),
        "{err}"
    );

    let remasking = SamplerConfig {
        remask: Some(0.1),
        ..cached(PolicyKind::Prob, CacheMode::Prefix, None)
    };
    let err = refused(remasking);
    assert!(err.to_string().contains("remasking"), "{err}");

    let err = refused(cached(PolicyKind::Prob, CacheMode::Prefix, Some(0)));
    assert!(matches!(err, SamplerError::ZeroCacheRefresh), "{err}");
    let refresh_alone = SamplerConfig {
        cache: None,
        ..cached(PolicyKind::Prob, CacheMode::Prefix, Some(2))
    };
    let err = refused(refresh_alone);
    assert!(matches!(err, SamplerError::RefreshWithoutCache), "{err}");
}

#[test]
fn the_cache_is_a_config_key() {
    let config: SamplerConfig =
        toml::from_str("policy = \"margin\"\nblock_len = 8\ncache = \"dual\"\ncache_refresh = 4")
            .unwrap();
    assert_eq!(config.cache, Some(CacheMode::Dual));
    assert_eq!(config.cache_refresh, Some(4));
    assert!(toml::from_str::<SamplerConfig>("cache = \"suffix\"").is_err());
}
