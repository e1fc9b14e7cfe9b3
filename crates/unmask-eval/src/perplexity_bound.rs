use std::sync::Arc;

use serde::{Deserialize, Serialize};
use unmask_sampler::Denoiser;
use unmask_schedule::{Linear, MaskRates, MaskSchedule, RatesOver};

use crate::mask_draw::{MaskPurpose, mask_rng};
use crate::masked_scoring::{MaskedCopy, check_targets, score_masked_copies};
use crate::{EvalError, MaskingOptions, TimeQuadrature};

/// Settings of [`perplexity_bound`].
#[derive(Debug, Clone)]
pub struct BoundOptions {
    /// The evaluation schedule (the measuring tape): any schedule with an ELBO weight.
    pub schedule: Arc<dyn MaskSchedule>,
    /// Gauss-Legendre nodes over t.
    pub quadrature_nodes: usize,
    pub masking: MaskingOptions,
}

impl BoundOptions {
    pub const DEFAULT_QUADRATURE_NODES: usize = 16;

    /// The linear schedule (alpha = 1 - t), 16 nodes, and [`MaskingOptions::new`].
    pub fn new(mask_id: u32) -> Self {
        Self {
            schedule: Arc::new(Linear::default()),
            quadrature_nodes: Self::DEFAULT_QUADRATURE_NODES,
            masking: MaskingOptions::new(mask_id),
        }
    }

    pub fn with_schedule(mut self, schedule: Arc<dyn MaskSchedule>) -> Self {
        self.schedule = schedule;
        self
    }

    pub fn with_quadrature_nodes(mut self, nodes: usize) -> Self {
        self.quadrature_nodes = nodes;
        self
    }

    pub fn with_masking(mut self, masking: MaskingOptions) -> Self {
        self.masking = masking;
        self
    }
}

/// The loss at one quadrature node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeLoss {
    pub t: f64,
    pub quadrature_weight: f64,
    /// -alpha'(t) / (1 - alpha(t)) of the evaluation schedule.
    pub elbo_weight: f64,
    pub masked_tokens: usize,
    /// Cross-entropy of the original tokens summed over the masked positions (nats).
    pub masked_cross_entropy: f64,
    /// `elbo_weight * masked_cross_entropy / maskable tokens`: this node's integrand.
    pub loss: f64,
}

/// The ELBO bound on held-out text; see docs/evaluation.md.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoundReport {
    /// The evaluation schedule's registry name.
    pub schedule: String,
    pub quadrature_nodes: usize,
    pub seed: u64,
    pub sequences: usize,
    /// Maskable tokens of the held-out sequences: the per-token denominator.
    pub tokens: usize,
    /// Upper bound on the negative log-likelihood per token, in nats.
    pub nll_per_token: f64,
    /// `exp(nll_per_token)`: an upper bound on the perplexity.
    pub perplexity: f64,
    /// `nll_per_token / ln 2`.
    pub bits_per_token: f64,
    /// Masked positions scored over all nodes.
    pub masked_tokens: usize,
    /// Model calls.
    pub nfe: usize,
    pub per_node: Vec<NodeLoss>,
}

/// The ELBO bound on the negative log-likelihood of `sequences` under `denoiser`:
///
/// `nll <= integral over t of E[ w(t) * sum over masked i of -ln p(x_i | x_t) ] / L`,
///
/// with `w(t) = -alpha'(t) / (1 - alpha(t))` of `options.schedule`, `L` the number of maskable
/// tokens, the integral a Gauss-Legendre rule, and the expectation a single draw of masks per
/// (node, sequence) from a stream keyed by the seed (the same masks for every model).
/// A node at which nothing was masked contributes 0.
pub fn perplexity_bound<D: Denoiser + ?Sized>(
    denoiser: &mut D,
    sequences: &[Vec<u32>],
    options: &BoundOptions,
) -> Result<BoundReport, EvalError> {
    let schedule = options.schedule.as_ref();
    if !schedule.has_elbo() {
        return Err(EvalError::NoElboWeight {
            schedule: schedule.name(),
            reason: schedule.no_elbo_reason(),
        });
    }
    let masking = &options.masking;
    masking.check()?;
    let quadrature = TimeQuadrature::gauss_legendre(options.quadrature_nodes)?;
    let maskable: Vec<Vec<usize>> = sequences
        .iter()
        .map(|tokens| masking.maskable.positions(tokens))
        .collect();
    let tokens: usize = maskable.iter().map(Vec::len).sum();
    if tokens == 0 {
        return Err(EvalError::NoMaskableTokens {
            prompt_len: masking.maskable.prompt_len,
        });
    }
    check_targets(sequences, &maskable, denoiser.vocab_size())?;

    let mut elbo_weights = Vec::with_capacity(quadrature.len());
    let mut copies = Vec::new();
    let mut copy_nodes = Vec::new();
    for (node, &t) in quadrature.nodes().iter().enumerate() {
        let weight = schedule.elbo_weight(t).unwrap_or(f64::NAN);
        if !weight.is_finite() || weight < 0.0 {
            return Err(EvalError::InvalidElboWeight {
                schedule: schedule.name(),
                t,
                weight,
            });
        }
        elbo_weights.push(weight);
        for (sequence, tokens) in sequences.iter().enumerate() {
            let rates = MaskRates::Schedule {
                schedule,
                t,
                over: RatesOver::Maskable,
            };
            let mut rng = mask_rng(masking.seed, MaskPurpose::Bound, node, sequence);
            let masked = masking.maskable.draw(tokens, rates, &mut rng).masked;
            if !masked.is_empty() {
                copies.push(MaskedCopy { sequence, masked });
                copy_nodes.push(node);
            }
        }
    }

    let (scores, nfe) = score_masked_copies(
        denoiser,
        sequences,
        &copies,
        masking.maskable.mask_id,
        masking.batch_size,
    )?;
    let mut masked_counts = vec![0usize; quadrature.len()];
    let mut cross_entropies = vec![0.0f64; quadrature.len()];
    for ((copy, score), &node) in copies.iter().zip(&scores).zip(&copy_nodes) {
        masked_counts[node] += copy.masked.len();
        cross_entropies[node] += score.cross_entropy;
    }
    let per_node: Vec<NodeLoss> = (0..quadrature.len())
        .map(|node| NodeLoss {
            t: quadrature.nodes()[node],
            quadrature_weight: quadrature.weights()[node],
            elbo_weight: elbo_weights[node],
            masked_tokens: masked_counts[node],
            masked_cross_entropy: cross_entropies[node],
            loss: elbo_weights[node] * cross_entropies[node] / tokens as f64,
        })
        .collect();
    let nll_per_token: f64 = per_node
        .iter()
        .map(|node| node.quadrature_weight * node.loss)
        .sum();
    Ok(BoundReport {
        schedule: schedule.name(),
        quadrature_nodes: quadrature.len(),
        seed: masking.seed,
        sequences: sequences.len(),
        tokens,
        nll_per_token,
        perplexity: nll_per_token.exp(),
        bits_per_token: nll_per_token / std::f64::consts::LN_2,
        masked_tokens: masked_counts.iter().sum(),
        nfe,
        per_node,
    })
}
