//! The fast sampler against the reference page (`unmask_sampler::reference`): on random tiny
//! models, canvases, seeds and configurations of every policy, both must write the same
//! tokens after every step.

use proptest::prelude::*;
use unmask_sampler::reference::{self, ReferenceRun};
use unmask_sampler::{Canvas, Denoiser, PolicyKind, Sampler, SamplerConfig, Template};

const MASK: u32 = 1;

/// A random tiny model: each logit is a hash of the model's seed, the position, the token id
/// and the whole canvas (every token at its place), so that any change of context changes
/// every row. Rows are scaled by `sharpness` (a large one makes confident predictions) and a
/// few tokens can be given -inf.
#[derive(Debug, Clone)]
struct HashModel {
    seed: u64,
    vocab: usize,
    sharpness: f32,
    impossible: Vec<u32>,
}

fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

impl HashModel {
    fn row(&self, tokens: &[u32], position: usize) -> Vec<f32> {
        let context =
            tokens.iter().fold(
                self.seed,
                |h, &t| mix(h ^ u64::from(t).wrapping_add(0x9e37)),
            );
        (0..self.vocab as u64)
            .map(|token| {
                if self.impossible.contains(&(token as u32)) {
                    return f32::NEG_INFINITY;
                }
                let h = mix(context ^ mix(position as u64 * 0x1_0000 + token));
                (h >> 40) as f32 / (1u64 << 24) as f32 * self.sharpness
            })
            .collect()
    }
}

impl Denoiser for HashModel {
    fn vocab_size(&self) -> usize {
        self.vocab
    }

    fn logits(
        &mut self,
        tokens: &[&[u32]],
        positions: &[&[usize]],
    ) -> anyhow::Result<Vec<Vec<f32>>> {
        Ok(tokens
            .iter()
            .zip(positions)
            .map(|(t, ps)| ps.iter().flat_map(|&p| self.row(t, p)).collect())
            .collect())
    }
}

/// How one canvas is laid out: runs of fixed text, masks and draft text (generated
/// positions that already hold a token), or an infilling template.
#[derive(Debug, Clone)]
enum Layout {
    Runs(Vec<(u8, usize)>),
    Template(Vec<(bool, usize)>),
}

fn build(layout: &Layout, vocab: usize) -> Canvas {
    let word = |i: usize| 2 + (i * 7 % (vocab - 2)) as u32;
    match layout {
        Layout::Runs(runs) => {
            let (mut tokens, mut fixed) = (Vec::new(), Vec::new());
            for (i, &(kind, len)) in runs.iter().enumerate() {
                for j in 0..len {
                    tokens.push(if kind == 1 { MASK } else { word(i + j) });
                    fixed.push(kind == 0);
                }
            }
            if !fixed.contains(&false) {
                tokens.push(MASK);
                fixed.push(false);
            }
            Canvas::from_parts(tokens, fixed, MASK).unwrap()
        }
        Layout::Template(parts) => {
            let mut source = String::new();
            for &(masked, len) in parts {
                if masked {
                    source.push_str(&format!("[MASK:{len}]"));
                } else {
                    source.push_str(&" w".repeat(len));
                }
            }
            if !parts.iter().any(|&(masked, _)| masked) {
                source.push_str("[MASK]");
            }
            let template = Template::parse(&source).unwrap();
            let encode = |text: &str| {
                Ok(text
                    .split_whitespace()
                    .enumerate()
                    .map(|(i, _)| word(i))
                    .collect())
            };
            Canvas::from_template(&template, encode, &[word(0)], &[word(1)], MASK).unwrap()
        }
    }
}

fn arb_layout() -> impl Strategy<Value = Layout> {
    prop_oneof![
        prop::collection::vec((0u8..3, 1usize..7), 1..5).prop_map(Layout::Runs),
        prop::collection::vec((any::<bool>(), 1usize..6), 1..5).prop_map(Layout::Template),
    ]
}

fn arb_model() -> impl Strategy<Value = HashModel> {
    (
        any::<u64>(),
        4usize..20,
        prop_oneof![0.5f32..3.0, 3.0f32..25.0],
        prop::bool::weighted(0.3),
    )
        .prop_map(|(seed, vocab, sharpness, impossible)| HashModel {
            seed,
            vocab,
            sharpness,
            impossible: if impossible {
                vec![vocab as u32 - 1]
            } else {
                Vec::new()
            },
        })
}

fn arb_config() -> impl Strategy<Value = SamplerConfig> {
    (
        (
            0..PolicyKind::ALL.len(),
            1usize..24,
            prop::option::of(1usize..8),
            0usize..4,
        ),
        (
            prop_oneof![Just(0.0), 0.2f64..2.0],
            prop::option::of(1usize..6),
            prop::option::of(0.3f64..=1.0),
        ),
        (
            any::<u64>(),
            prop::option::of(prop_oneof![Just(0.0), 0.05f64..0.7]),
            0.05f64..=1.0,
        ),
    )
        .prop_map(
            |(
                (policy, steps, block_len, schedule),
                (temperature, top_k, top_p),
                (seed, remask, threshold),
            )| {
                let kind = PolicyKind::ALL[policy];
                let confidence = kind.confidence_score().is_some();
                let ancestral = kind == PolicyKind::Ancestral;
                let schedule = match schedule {
                    1 if confidence || ancestral => Some("cosine"),
                    2 if confidence || ancestral => Some("loglinear"),
                    3 if confidence => Some("even"),
                    3 if ancestral => Some("linear"),
                    _ => None,
                };
                SamplerConfig {
                    policy: kind,
                    steps,
                    schedule: schedule.map(str::to_string),
                    threshold: (kind == PolicyKind::Threshold).then_some(threshold),
                    block_len,
                    remask: if kind.supports_remask() { remask } else { None },
                    cache: None,
                    cache_refresh: None,
                    temperature,
                    top_k,
                    top_p,
                    forbidden: vec![0],
                    seed,
                }
            },
        )
}

/// The reference's canvas of run `run` after global step `step` (a finished canvas stays put).
fn reference_at(run: &ReferenceRun, start: &Canvas, step: usize) -> Canvas {
    match run.steps.get(step) {
        Some(canvas) => canvas.clone(),
        None => run.steps.last().unwrap_or(start).clone(),
    }
}

fn check(
    config: &SamplerConfig,
    model: &HashModel,
    layouts: &[Layout],
) -> Result<(), TestCaseError> {
    let canvases: Vec<Canvas> = layouts.iter().map(|l| build(l, model.vocab)).collect();
    let mut frames: Vec<Vec<Canvas>> = Vec::new();
    let mut record = |_step: usize, canvases: &[Canvas]| {
        frames.push(canvases.to_vec());
        Ok(())
    };
    let fast = Sampler::new(config.clone()).unwrap().generate(
        &mut model.clone(),
        canvases.clone(),
        &mut record,
    );
    let plain = reference::generate(config, &mut model.clone(), canvases.clone());
    let (fast, plain) = match (fast, plain) {
        (Ok(fast), Ok(plain)) => (fast, plain),
        (Err(fast), Err(plain)) => {
            prop_assert_eq!(fast.to_string(), plain.to_string());
            return Ok(());
        }
        (fast, plain) => {
            return Err(TestCaseError::fail(format!(
                "one failed: fast {:?}, reference {:?}",
                fast.map(|g| g.steps_taken),
                plain.map(|r| r.len())
            )));
        }
    };
    let longest = plain.iter().map(|r| r.steps.len()).max().unwrap_or(0);
    prop_assert_eq!(fast.steps_taken, longest);
    prop_assert_eq!(frames.len(), longest);
    for (step, frame) in frames.iter().enumerate() {
        for (b, (run, start)) in plain.iter().zip(&canvases).enumerate() {
            let expected = reference_at(run, start, step);
            prop_assert_eq!(
                frame[b].tokens(),
                expected.tokens(),
                "canvas {} after step {}",
                b,
                step
            );
        }
    }
    for (canvas, run) in fast.canvases.iter().zip(&plain) {
        prop_assert_eq!(canvas, &run.canvas);
        prop_assert!(canvas.is_complete());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn fast_and_reference_write_the_same_tokens(
        config in arb_config(),
        model in arb_model(),
        layouts in prop::collection::vec(arb_layout(), 1..4),
    ) {
        check(&config, &model, &layouts)?;
    }
}

/// Every policy name, with remasking where it applies, over one fixed set of canvases: a
/// deterministic sweep beside the random one, so that no policy can go untested.
#[test]
fn every_policy_matches_on_a_fixed_batch() {
    let model = HashModel {
        seed: 11,
        vocab: 12,
        sharpness: 6.0,
        impossible: vec![],
    };
    let layouts = [
        Layout::Runs(vec![(0, 2), (1, 9), (2, 3), (1, 4), (0, 1)]),
        Layout::Template(vec![(false, 3), (true, 5), (false, 2), (true, 3)]),
    ];
    for name in PolicyKind::ALL {
        for (block_len, remask) in [(None, None), (Some(4), Some(0.3))] {
            let remasks = name.supports_remask();
            let config = SamplerConfig {
                policy: name,
                steps: 9,
                block_len,
                remask: if remasks { remask } else { None },
                temperature: 0.8,
                top_k: Some(6),
                top_p: Some(0.9),
                forbidden: vec![0],
                seed: 5,
                ..SamplerConfig::default()
            };
            check(&config, &model, &layouts).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
}
