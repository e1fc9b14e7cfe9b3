//! The block cache on real models (the tiny RoBERTa, BERT and ModernBERT fixtures): a step
//! run against the cache gives the logits of the full pass when nothing changed since the
//! recording, and with a refresh every step cached decoding writes exactly the tokens of
//! uncached decoding for every policy that works in blocks, under both caches; canvases run
//! as one batch write the tokens they write run one at a time.

use std::path::Path;

use burn::backend::Flex;
use unmask_runtime::denoiser::MaskedLmDenoiser;
use unmask_runtime::masked_lm::AnyMaskedLm;
use unmask_sampler::{
    CacheMode, CacheWindow, Canvas, Denoiser, NoObserver, PolicyKind, Sampler, SamplerConfig,
};

type B = Flex;
const FIXTURES: [&str; 3] = [
    "../unmask-roberta/tests/fixtures/tiny-roberta",
    "../unmask-roberta/tests/fixtures/tiny-bert",
    "../unmask-modernbert/tests/fixtures/tiny-modernbert",
];

fn denoiser(fixture: &str) -> MaskedLmDenoiser<B> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(fixture);
    let loaded = AnyMaskedLm::<B>::load(&dir, &Default::default()).expect("load");
    MaskedLmDenoiser::new(loaded.model, Default::default())
}

/// The last id of the vocabulary stands for the mask (the fixtures' vocabularies differ).
fn mask_of(model: &MaskedLmDenoiser<B>) -> u32 {
    model.vocab_size() as u32 - 1
}

/// `<s>`, a 3-token prompt, `generated` masks, `</s>`.
fn canvas(generated: usize, mask: u32) -> Canvas {
    Canvas::prompted(&[0, 17, 23, 41], generated, &[2], mask).unwrap()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn a_step_against_the_cache_gives_the_full_pass_logits_of_an_unchanged_canvas() {
    for fixture in FIXTURES {
        let mut model = denoiser(fixture);
        // A canvas half written: the block at 9..14 and everything after it masked.
        let mut tokens: Vec<u32> = canvas(20, mask_of(&model)).tokens().to_vec();
        for (i, t) in tokens[4..9].iter_mut().enumerate() {
            *t = 50 + 3 * i as u32;
        }
        let len = tokens.len();
        let requested: Vec<usize> = vec![9, 11, 13];
        let full = model.logits(&[&tokens], &[&requested]).unwrap();
        for mode in [CacheMode::Prefix, CacheMode::Dual] {
            let rows = mode.rows(&[9, 10, 11, 12, 13], len);
            let window = |refresh| CacheWindow {
                canvas: 3,
                refresh,
                rows: rows.clone(),
            };
            let recorded = model
                .logits_cached(&[&tokens], &[&requested], &[window(true)])
                .unwrap();
            let cached = model
                .logits_cached(&[&tokens], &[&requested], &[window(false)])
                .unwrap();
            let (d_recorded, d_cached) = (
                max_diff(&recorded[0], &full[0]),
                max_diff(&cached[0], &full[0]),
            );
            assert!(
                d_recorded <= 1e-4,
                "{fixture} {mode}: recorded {d_recorded:e}"
            );
            assert!(d_cached <= 1e-4, "{fixture} {mode}: cached {d_cached:e}");
        }
        // A canvas never recorded is an error, not a guess.
        let never = CacheWindow {
            canvas: 8,
            refresh: false,
            rows: 9..len,
        };
        let err = model
            .logits_cached(&[&tokens], &[&requested], &[never])
            .unwrap_err();
        assert!(err.to_string().contains("no cache recorded"), "{err}");
    }
}

fn generate(model: &mut MaskedLmDenoiser<B>, config: SamplerConfig) -> Vec<u32> {
    let sampler = Sampler::new(config).unwrap();
    let mask = mask_of(model);
    let generation = sampler
        .generate(model, vec![canvas(14, mask)], &mut NoObserver)
        .unwrap();
    let out = generation.canvases[0].tokens().to_vec();
    assert!(!out.contains(&mask), "masks left: {out:?}");
    out
}

#[test]
fn with_a_refresh_every_step_cached_decoding_writes_the_tokens_of_uncached_decoding() {
    for fixture in FIXTURES {
        let mut model = denoiser(fixture);
        for policy in [
            PolicyKind::Ancestral,
            PolicyKind::Prob,
            PolicyKind::Margin,
            PolicyKind::Entropy,
            PolicyKind::Random,
            PolicyKind::Threshold,
        ] {
            let uncached = SamplerConfig {
                policy,
                steps: 9,
                block_len: Some(5),
                top_k: Some(20),
                forbidden: vec![0, 1, 2],
                seed: 11,
                ..SamplerConfig::default()
            };
            let want = generate(&mut model, uncached.clone());
            for cache in [CacheMode::Prefix, CacheMode::Dual] {
                let cached = SamplerConfig {
                    cache: Some(cache),
                    cache_refresh: Some(1),
                    ..uncached.clone()
                };
                let got = generate(&mut model, cached);
                assert_eq!(got, want, "{fixture}, {policy}, {cache} cache");
            }
        }
    }
}

#[test]
fn cached_decoding_refreshed_at_block_starts_only_fills_every_position() {
    for fixture in FIXTURES {
        let mut model = denoiser(fixture);
        for cache in [CacheMode::Prefix, CacheMode::Dual] {
            let config = SamplerConfig {
                policy: PolicyKind::Margin,
                steps: 9,
                block_len: Some(5),
                cache: Some(cache),
                forbidden: vec![0, 1, 2],
                seed: 3,
                ..SamplerConfig::default()
            };
            let out = generate(&mut model, config);
            assert_eq!(
                out[..4],
                [0, 17, 23, 41],
                "{fixture} {cache}: the prompt stays"
            );
        }
    }
}

/// The wrapped model asked one canvas per forward: per-canvas cached decoding.
struct OneAtATime<'a>(&'a mut MaskedLmDenoiser<B>);

impl Denoiser for OneAtATime<'_> {
    fn vocab_size(&self) -> usize {
        self.0.vocab_size()
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
        let mut out = Vec::new();
        for ((t, p), w) in tokens.iter().zip(positions).zip(windows) {
            out.extend(self.0.logits_cached(&[t], &[p], std::slice::from_ref(w))?);
        }
        Ok(out)
    }
}

#[test]
fn batched_cached_decoding_writes_the_tokens_of_per_canvas_cached_decoding() {
    for fixture in FIXTURES {
        let mut model = denoiser(fixture);
        let mask = mask_of(&model);
        // Four canvases of one shape (one batch per call) and a shorter one (its own), so
        // that calls mix recording and rows, and canvases leave blocks at different steps.
        let batch = || {
            let mut canvases = vec![canvas(14, mask); 4];
            canvases.push(canvas(9, mask));
            canvases
        };
        for (policy, threshold) in [
            (PolicyKind::Threshold, Some(0.02)),
            (PolicyKind::Ancestral, None),
            (PolicyKind::Margin, None),
        ] {
            for cache in [CacheMode::Prefix, CacheMode::Dual] {
                for refresh in [None, Some(1), Some(2)] {
                    let config = SamplerConfig {
                        policy,
                        threshold,
                        steps: 9,
                        block_len: Some(5),
                        cache: Some(cache),
                        cache_refresh: refresh,
                        top_k: Some(20),
                        forbidden: vec![0, 1, 2],
                        seed: 5,
                        ..SamplerConfig::default()
                    };
                    let sampler = Sampler::new(config.clone()).unwrap();
                    let tokens = |g: unmask_sampler::Generation| {
                        g.canvases
                            .iter()
                            .map(|c| c.tokens().to_vec())
                            .collect::<Vec<_>>()
                    };
                    let batched = tokens(
                        sampler
                            .generate(&mut model, batch(), &mut NoObserver)
                            .unwrap(),
                    );
                    let alone = tokens(
                        sampler
                            .generate(&mut OneAtATime(&mut model), batch(), &mut NoObserver)
                            .unwrap(),
                    );
                    assert_eq!(
                        batched, alone,
                        "{fixture}, {policy}, {cache}, refresh {refresh:?}"
                    );
                    assert!(batched.iter().all(|c| !c.contains(&mask)));
                    if refresh == Some(1) {
                        let uncached = SamplerConfig {
                            cache: None,
                            cache_refresh: None,
                            ..config
                        };
                        let uncached = Sampler::new(uncached).unwrap();
                        let want = tokens(
                            uncached
                                .generate(&mut model, batch(), &mut NoObserver)
                                .unwrap(),
                        );
                        assert_eq!(batched, want, "{fixture}, {policy}, {cache}: uncached");
                    }
                }
            }
        }
    }
}
