use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use rand::Rng;

use crate::fast_exp::{exp_nonpositive, exp_row, sum_f64};
use crate::nucleus::nucleus;

/// What [`TokenSampler::draw`] scores a sampled token with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Confidence {
    None,
    /// Probability of the sampled token.
    Prob,
    /// `p_top1 - p_top2`.
    Margin,
    /// Negative entropy of the distribution.
    NegEntropy,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Draw {
    pub token: u32,
    /// Under the model's distribution at temperature 1 over the allowed tokens (before
    /// top-k/top-p); 0 for [`Confidence::None`].
    pub confidence: f64,
}

/// Why a logit row cannot be sampled.
#[derive(Debug, Clone, PartialEq)]
pub enum RowProblem {
    NonFinite(f32),
    NothingAllowed,
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NonFinite(value) => write!(f, "the model returned the logit {value}"),
            Self::NothingAllowed => {
                f.write_str("every token is forbidden or has logit -inf; nothing can be sampled")
            }
        }
    }
}

impl std::error::Error for RowProblem {}

/// Probability mass a nucleus may fall short of top-p by, so that float rounding does not
/// pull in one more token when the head holds exactly top-p.
const NUCLEUS_SLACK: f64 = 1e-6;

/// Draws one token per logit row: forbidden tokens removed, temperature (0 = argmax), top-k,
/// top-p, then a categorical draw by inverse CDF (weights in f32, sums in f64). Scratch
/// buffers are kept between rows, so a draw allocates nothing once they have grown; the
/// passes over the vocabulary are plain loops that auto-vectorise. The one token sampler of
/// the workspace: the denoising loops and GPT-2's decoding both draw through it.
#[derive(Debug, Clone)]
pub struct TokenSampler {
    /// `None` for greedy decoding (temperature 0, or so small that 1/T overflows f32).
    inv_temperature: Option<f32>,
    top_k: Option<usize>,
    top_p: f64,
    forbidden: Vec<u32>,
    weights: Vec<f32>,
    order: Vec<u32>,
    heap: BinaryHeap<Reverse<Ranked>>,
}

impl TokenSampler {
    /// `temperature >= 0`, `top_k >= 1` and `0 < top_p <= 1` must have been checked (as
    /// [`crate::SamplerConfig`] and GPT-2's options do); `forbidden` ids must be below the
    /// vocabulary size.
    pub fn new(
        temperature: f64,
        top_k: Option<usize>,
        top_p: Option<f64>,
        forbidden: &[u32],
    ) -> Self {
        let inv_temperature = (1.0 / temperature) as f32;
        Self {
            inv_temperature: (temperature > 0.0 && inv_temperature.is_finite())
                .then_some(inv_temperature),
            top_k,
            top_p: top_p.unwrap_or(1.0),
            forbidden: forbidden.to_vec(),
            weights: Vec::new(),
            order: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    /// Draws a token from `row` (modified in place: forbidden entries become -inf) for a
    /// model with no mask token, such as an autoregressive one. Uses one `rng` number when it
    /// samples (temperature above 0); greedy picks the first largest logit.
    pub fn pick<R: Rng + ?Sized>(
        &mut self,
        row: &mut [f32],
        rng: &mut R,
    ) -> Result<u32, RowProblem> {
        self.draw(row, u32::MAX, Confidence::None, rng)
            .map(|draw| draw.token)
    }

    /// Takes from `rng` what [`TokenSampler::draw`] would take (one number when sampling,
    /// none when greedy) without a row: a loop that skips a position it would have sampled
    /// keeps the stream where sampling it would have left it.
    pub(crate) fn skip<R: Rng + ?Sized>(&self, rng: &mut R) {
        if self.inv_temperature.is_some() {
            let _: f64 = rng.random();
        }
    }

    /// Draws a token from `row` (modified in place: forbidden entries become -inf). `mask_id`
    /// is always forbidden. Uses one `rng` number when it samples (temperature above 0).
    pub(crate) fn draw<R: Rng + ?Sized>(
        &mut self,
        row: &mut [f32],
        mask_id: u32,
        confidence: Confidence,
        rng: &mut R,
    ) -> Result<Draw, RowProblem> {
        for &id in &self.forbidden {
            row[id as usize] = f32::NEG_INFINITY;
        }
        if let Some(slot) = row.get_mut(mask_id as usize) {
            *slot = f32::NEG_INFINITY;
        }
        let (max, argmax) = max_and_argmax(row)?;
        let token = match self.inv_temperature {
            None => argmax,
            Some(inv_t) => {
                let u: f64 = rng.random();
                self.sample(row, max, inv_t, u)
            }
        };
        let confidence = match confidence {
            Confidence::None => 0.0,
            Confidence::Prob => {
                exp_nonpositive(row[token] - max) as f64 / self.normaliser(row, max)
            }
            Confidence::Margin => {
                let runner_up = exp_nonpositive(max_except(row, argmax) - max) as f64;
                (1.0 - runner_up) / self.normaliser(row, max)
            }
            Confidence::NegEntropy => {
                let z = self.normaliser(row, max);
                // sum p (l - max) over tokens with p > 0 (-inf logits add nothing).
                let weighted: f64 = sum_f64_products(&self.weights, row, max);
                -(z.ln() - weighted / z)
            }
        };
        Ok(Draw {
            token: token as u32,
            confidence,
        })
    }

    /// `Z = sum exp(l - max)` over the row; leaves the weights `exp(l - max)` in `self.weights`.
    fn normaliser(&mut self, row: &[f32], max: f32) -> f64 {
        exp_row(row, max, 1.0, &mut self.weights);
        sum_f64(&self.weights)
    }

    fn sample(&mut self, row: &[f32], max: f32, inv_t: f32, u: f64) -> usize {
        let vocab = row.len();
        let nucleus = self.top_p < 1.0;
        match self.top_k {
            Some(k) if k < vocab => {
                largest(row, k, &mut self.heap, &mut self.order);
                self.weights.clear();
                self.weights.extend(
                    self.order
                        .iter()
                        .map(|&i| exp_nonpositive((row[i as usize] - max) * inv_t)),
                );
                let len = if nucleus {
                    nucleus_len(
                        &self.weights,
                        (self.top_p - NUCLEUS_SLACK) * sum_f64(&self.weights),
                    )
                } else {
                    self.weights.len()
                };
                self.order[pick(&self.weights[..len], u)] as usize
            }
            _ if nucleus => self.sample_nucleus(row, max, inv_t, u),
            _ => {
                exp_row(row, max, inv_t, &mut self.weights);
                pick(&self.weights, u)
            }
        }
    }

    /// Top-p over the whole vocabulary: the nucleus by a linear-time selection on mass, then
    /// an inverse-CDF draw over it (in the selection's order; any fixed order samples the
    /// same distribution).
    fn sample_nucleus(&mut self, row: &[f32], max: f32, inv_t: f32, u: f64) -> usize {
        exp_row(row, max, inv_t, &mut self.weights);
        let total = sum_f64(&self.weights);
        let mass = (self.top_p - NUCLEUS_SLACK) * total;
        let len = nucleus(&self.weights, mass, total, &mut self.order);
        let weights = &self.weights;
        let members = &self.order[..len];
        let target = u * members
            .iter()
            .map(|&i| weights[i as usize] as f64)
            .sum::<f64>();
        let mut cumulative = 0.0;
        for &i in members {
            cumulative += weights[i as usize] as f64;
            if cumulative > target && weights[i as usize] > 0.0 {
                return i as usize;
            }
        }
        members
            .iter()
            .copied()
            .max_by(|&a, &b| weights[a as usize].total_cmp(&weights[b as usize]))
            .expect("the nucleus has a token") as usize
    }
}

/// A logit with its token id, ordered by logit then by lower id first.
#[derive(Debug, Clone, Copy)]
struct Ranked(f32, u32);

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0).then(other.1.cmp(&self.1))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ranked {}

/// The ids of the `k` largest logits into `out`, largest first. A size-k min-heap scan:
/// after the first few hundred tokens almost every logit loses one comparison to the heap's
/// minimum, so this is one cheap pass for the small k of top-k.
fn largest(row: &[f32], k: usize, heap: &mut BinaryHeap<Reverse<Ranked>>, out: &mut Vec<u32>) {
    out.clear();
    if 2 * k >= row.len() {
        out.extend(0..row.len() as u32);
        out.sort_unstable_by(|&a, &b| Ranked(row[b as usize], b).cmp(&Ranked(row[a as usize], a)));
        out.truncate(k);
        return;
    }
    heap.clear();
    heap.extend((0..k).map(|i| Reverse(Ranked(row[i], i as u32))));
    for (i, &l) in row.iter().enumerate().skip(k) {
        let mut smallest = heap.peek_mut().expect("k >= 1");
        if l > smallest.0.0 {
            *smallest = Reverse(Ranked(l, i as u32));
        }
    }
    out.extend(heap.drain().map(|Reverse(Ranked(_, i))| i));
    out.sort_unstable_by(|&a, &b| Ranked(row[b as usize], b).cmp(&Ranked(row[a as usize], a)));
}

/// The length of the shortest prefix of `sorted` (descending weights) holding `mass`.
fn nucleus_len(sorted: &[f32], mass: f64) -> usize {
    let mut cumulative = 0.0;
    for (j, &w) in sorted.iter().enumerate() {
        cumulative += w as f64;
        if cumulative >= mass {
            return j + 1;
        }
    }
    sorted.len()
}

/// Inverse-CDF draw: the first index whose cumulative weight exceeds `u` times the total.
/// Zero weights are never picked (the caller guarantees a positive weight exists).
fn pick(weights: &[f32], u: f64) -> usize {
    let target = u * sum_f64(weights);
    let mut cumulative = 0.0;
    let mut last_positive = 0;
    for (i, &w) in weights.iter().enumerate() {
        if w > 0.0 {
            cumulative += w as f64;
            last_positive = i;
            if cumulative > target {
                return i;
            }
        }
    }
    last_positive
}

/// The largest logit and its first index; an error for NaN/+inf or when every logit is -inf.
fn max_and_argmax(row: &[f32]) -> Result<(f32, usize), RowProblem> {
    let mut lanes = [f32::NEG_INFINITY; 8];
    let mut invalid = [false; 8];
    let chunks = row.chunks_exact(8);
    let tail = chunks.remainder();
    for chunk in chunks {
        for j in 0..8 {
            let l = chunk[j];
            invalid[j] |= l.is_nan() | (l == f32::INFINITY);
            lanes[j] = if l > lanes[j] { l } else { lanes[j] };
        }
    }
    let mut max = lanes.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut bad = invalid.contains(&true);
    for &l in tail {
        bad |= l.is_nan() | (l == f32::INFINITY);
        max = max.max(l);
    }
    if bad {
        let first = row
            .iter()
            .copied()
            .find(|l| l.is_nan() || *l == f32::INFINITY);
        return Err(RowProblem::NonFinite(first.unwrap_or(f32::NAN)));
    }
    if max == f32::NEG_INFINITY {
        return Err(RowProblem::NothingAllowed);
    }
    let argmax = row
        .iter()
        .position(|&l| l == max)
        .expect("the max is in the row");
    Ok((max, argmax))
}

/// The largest logit other than the one at `skip` (the runner-up of a margin).
fn max_except(row: &[f32], skip: usize) -> f32 {
    let fold = |part: &[f32]| part.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    fold(&row[..skip]).max(fold(&row[skip + 1..]))
}

/// `sum weights[i] (row[i] - max)` over the tokens of positive weight, in f64.
fn sum_f64_products(weights: &[f32], row: &[f32], max: f32) -> f64 {
    let mut lanes = [0.0f64; 8];
    let mut chunks = weights.chunks_exact(8).zip(row.chunks_exact(8));
    for (w, l) in chunks.by_ref() {
        for j in 0..8 {
            let term = if w[j] > 0.0 { w[j] * (l[j] - max) } else { 0.0 };
            lanes[j] += term as f64;
        }
    }
    let done = weights.len() / 8 * 8;
    let tail: f64 = weights[done..]
        .iter()
        .zip(&row[done..])
        .map(|(&w, &l)| if w > 0.0 { (w * (l - max)) as f64 } else { 0.0 })
        .sum();
    lanes.iter().sum::<f64>() + tail
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    const NO_MASK: u32 = u32::MAX;

    fn rng() -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(7)
    }

    fn histogram(sampler: &mut TokenSampler, row: &[f32], draws: usize) -> Vec<usize> {
        let mut rng = rng();
        let mut counts = vec![0; row.len()];
        for _ in 0..draws {
            let mut row = row.to_vec();
            counts[sampler
                .draw(&mut row, NO_MASK, Confidence::None, &mut rng)
                .unwrap()
                .token as usize] += 1;
        }
        counts
    }

    /// ln of the given probabilities: a row whose softmax is exactly `probs`.
    fn logits(probs: &[f64]) -> Vec<f32> {
        probs.iter().map(|p| p.ln() as f32).collect()
    }

    #[test]
    fn greedy_takes_the_argmax_of_allowed_tokens() {
        let mut sampler = TokenSampler::new(0.0, None, None, &[3]);
        let mut row = vec![0.1, 2.0, 0.5, 9.0, 1.0];
        let draw = sampler
            .draw(&mut row, 1, Confidence::None, &mut rng())
            .unwrap();
        // 3 is forbidden and 1 is the mask: the best allowed token is 4.
        assert_eq!(draw.token, 4);
        assert_eq!(row[1], f32::NEG_INFINITY);
        assert_eq!(row[3], f32::NEG_INFINITY);
    }

    #[test]
    fn full_distribution_frequencies() {
        let probs = [0.5, 0.3, 0.15, 0.05];
        let mut sampler = TokenSampler::new(1.0, None, None, &[]);
        let counts = histogram(&mut sampler, &logits(&probs), 20_000);
        for (count, p) in counts.iter().zip(probs) {
            let freq = *count as f64 / 20_000.0;
            assert!((freq - p).abs() < 0.015, "{counts:?}");
        }
    }

    #[test]
    fn temperature_sharpens() {
        // At T = 0.5 the probabilities become proportional to p^2: 0.64/0.8, 0.16/0.8.
        let mut sampler = TokenSampler::new(0.5, None, None, &[]);
        let counts = histogram(&mut sampler, &logits(&[0.8, 0.2]), 20_000);
        let freq = counts[0] as f64 / 20_000.0;
        assert!(
            (freq - 0.8 * 0.8 / (0.64 + 0.04)).abs() < 0.015,
            "{counts:?}"
        );
    }

    #[test]
    fn top_k_and_top_p_keep_the_head() {
        let probs = [0.05, 0.5, 0.15, 0.3];
        let row = logits(&probs);
        let mut top1 = TokenSampler::new(1.0, Some(1), None, &[]);
        assert_eq!(histogram(&mut top1, &row, 500), [0, 500, 0, 0]);
        let mut top2 = TokenSampler::new(1.0, Some(2), None, &[]);
        let counts = histogram(&mut top2, &row, 8_000);
        assert_eq!((counts[0], counts[2]), (0, 0));
        assert!(
            (counts[1] as f64 / 8_000.0 - 0.625).abs() < 0.02,
            "{counts:?}"
        );
        // 0.5 + 0.3 = 0.8 >= 0.75: the nucleus is {1, 3}.
        let mut nucleus = TokenSampler::new(1.0, None, Some(0.75), &[]);
        let counts = histogram(&mut nucleus, &row, 8_000);
        assert_eq!((counts[0], counts[2]), (0, 0), "{counts:?}");
        // Exactly reaching top-p closes the nucleus: 0.5 >= 0.5.
        let mut half = TokenSampler::new(1.0, None, Some(0.5), &[]);
        assert_eq!(histogram(&mut half, &row, 500), [0, 500, 0, 0]);
        // top-p applies to the top-k distribution, renormalised: 0.5/0.8 < 0.7.
        let mut both = TokenSampler::new(1.0, Some(2), Some(0.7), &[]);
        let counts = histogram(&mut both, &row, 2_000);
        assert!(
            counts[1] > 0 && counts[3] > 0 && counts[0] + counts[2] == 0,
            "{counts:?}"
        );
    }

    /// Top-p over a large vocabulary draws only from the nucleus a full sort finds, with
    /// frequencies proportional to the weights.
    #[test]
    fn large_vocab_nucleus_matches_a_full_sort() {
        let mut rng = rng();
        let vocab = 3_000;
        for trial in 0..20 {
            let row: Vec<f32> = (0..vocab)
                .map(|_| rng.random::<f32>() * (trial + 1) as f32 * 0.5)
                .collect();
            let top_p = 0.3 + trial as f64 * 0.03;
            let members = sorted_nucleus(&row, 1.25, top_p);
            let mut sampler = TokenSampler::new(0.8, None, Some(top_p), &[]);
            let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            for _ in 0..50 {
                let got = sampler.sample(&row, max, 1.25, rng.random());
                assert!(
                    members.contains(&got),
                    "trial {trial}: {got} is outside the nucleus"
                );
            }
        }
        // Three heavy tokens (probabilities 0.5, 0.3, 0.1 of the whole) and 2997 light ones
        // holding 0.1: top-p 0.85 keeps the three, renormalised to 5/9, 3/9, 1/9.
        let mut probs = vec![0.1 / 2997.0; vocab];
        probs[10] = 0.5;
        probs[2000] = 0.3;
        probs[77] = 0.1;
        let mut sampler = TokenSampler::new(1.0, None, Some(0.85), &[]);
        let counts = histogram(&mut sampler, &logits(&probs), 9_000);
        assert_eq!(counts[10] + counts[2000] + counts[77], 9_000);
        for (token, expected) in [(10, 5_000.0), (2000, 3_000.0), (77, 1_000.0)] {
            assert!(
                (counts[token] as f64 - expected).abs() < 150.0,
                "{token}: {}",
                counts[token]
            );
        }
    }

    fn sorted_nucleus(row: &[f32], inv_t: f32, top_p: f64) -> Vec<usize> {
        let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let weights: Vec<f32> = row
            .iter()
            .map(|&l| exp_nonpositive((l - max) * inv_t))
            .collect();
        let mut order: Vec<usize> = (0..row.len()).collect();
        order.sort_by(|&a, &b| weights[b].total_cmp(&weights[a]));
        let total: f64 = weights.iter().map(|&w| w as f64).sum();
        let mut cumulative = 0.0;
        for (j, &i) in order.iter().enumerate() {
            cumulative += weights[i] as f64;
            if cumulative >= (top_p - NUCLEUS_SLACK) * total {
                order.truncate(j + 1);
                break;
            }
        }
        order
    }

    #[test]
    fn confidence_scores_by_hand() {
        let probs = [0.5, 0.3, 0.2];
        let mut greedy = TokenSampler::new(0.0, None, None, &[]);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
        let score = |sampler: &mut TokenSampler, confidence| {
            let mut row = logits(&probs);
            sampler
                .draw(&mut row, NO_MASK, confidence, &mut rng())
                .unwrap()
        };
        let draw = score(&mut greedy, Confidence::Prob);
        assert_eq!(draw.token, 0);
        assert!(close(draw.confidence, 0.5));
        assert!(close(
            score(&mut greedy, Confidence::Margin).confidence,
            0.2
        ));
        let entropy = -(0.5f64 * 0.5f64.ln() + 0.3 * 0.3f64.ln() + 0.2 * 0.2f64.ln());
        assert!(close(
            score(&mut greedy, Confidence::NegEntropy).confidence,
            -entropy
        ));
        // Forbidding token 0 renormalises over {1, 2}: 0.6 and 0.4.
        let mut forbid = TokenSampler::new(0.0, None, None, &[0]);
        let draw = score(&mut forbid, Confidence::Prob);
        assert_eq!(draw.token, 1);
        assert!(close(draw.confidence, 0.6));
        assert!(close(
            score(&mut forbid, Confidence::Margin).confidence,
            0.2
        ));
    }

    #[test]
    fn invalid_rows_are_reported() {
        let mut sampler = TokenSampler::new(1.0, None, None, &[0]);
        let mut nan = vec![0.0, f32::NAN, 1.0];
        assert!(matches!(
            sampler.draw(&mut nan, NO_MASK, Confidence::None, &mut rng()),
            Err(RowProblem::NonFinite(v)) if v.is_nan()
        ));
        let mut inf = vec![0.0, f32::INFINITY];
        assert!(
            sampler
                .draw(&mut inf, NO_MASK, Confidence::None, &mut rng())
                .is_err()
        );
        let mut nothing = vec![5.0, f32::NEG_INFINITY, 3.0];
        assert_eq!(
            sampler.draw(&mut nothing, 2, Confidence::None, &mut rng()),
            Err(RowProblem::NothingAllowed)
        );
    }

    #[test]
    fn minus_infinity_tokens_are_never_drawn() {
        let mut sampler = TokenSampler::new(1.0, Some(3), Some(0.99), &[]);
        let row = vec![f32::NEG_INFINITY, 0.0, f32::NEG_INFINITY, f32::NEG_INFINITY];
        assert_eq!(histogram(&mut sampler, &row, 200), [0, 200, 0, 0]);
        let mut tiny = TokenSampler::new(1e-30, None, None, &[]);
        assert_eq!(histogram(&mut tiny, &[0.0, 1.0, 0.5], 50), [0, 50, 0]);
    }
}
