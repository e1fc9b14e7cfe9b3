use std::f64::consts::PI;

use crate::EvalError;

/// A fixed quadrature rule over diffusion time t in (0, 1): the perplexity bound is an
/// integral over t, and fixed nodes make it the same number on every run.
///
/// The rule is Gauss-Legendre with `n` nodes mapped from [-1, 1] to (0, 1). It is chosen over
/// the midpoint rule because
/// - it is exact for polynomials of degree up to `2n - 1` (the midpoint rule: degree 1), and
///   the bound's integrand (the expected weighted loss) is smooth in t, so a few nodes suffice;
/// - its nodes are interior, so it never evaluates t = 0, where the ELBO weight 1/t diverges
///   (the expected integrand stays finite there: the masked fraction t cancels the weight).
#[derive(Debug, Clone, PartialEq)]
pub struct TimeQuadrature {
    nodes: Vec<f64>,
    weights: Vec<f64>,
}

impl TimeQuadrature {
    /// The largest number of nodes accepted; Newton's iteration below is accurate well past it.
    pub const MAX_NODES: usize = 512;

    /// Gauss-Legendre with `n` nodes on (0, 1), in increasing order, weights summing to 1.
    pub fn gauss_legendre(n: usize) -> Result<Self, EvalError> {
        if n == 0 || n > Self::MAX_NODES {
            return Err(EvalError::InvalidOption {
                option: "quadrature nodes",
                value: n.to_string(),
                expected: "a number of nodes in 1..=512, e.g. 16",
            });
        }
        let mut nodes = Vec::with_capacity(n);
        let mut weights = Vec::with_capacity(n);
        for i in 1..=n {
            // Tricomi's initial guess for the i-th largest root of P_n, then Newton.
            let mut x = (PI * (i as f64 - 0.25) / (n as f64 + 0.5)).cos();
            for _ in 0..100 {
                let (p, dp) = legendre(n, x);
                let step = p / dp;
                x -= step;
                if step.abs() < 1e-16 {
                    break;
                }
            }
            let (_, derivative) = legendre(n, x);
            // Roots come largest x first; t = (1 - x) / 2 makes them increasing in t.
            nodes.push((1.0 - x) / 2.0);
            weights.push(1.0 / ((1.0 - x * x) * derivative * derivative));
        }
        Ok(Self { nodes, weights })
    }

    /// The times t_k, increasing, inside (0, 1).
    pub fn nodes(&self) -> &[f64] {
        &self.nodes
    }

    /// The weights w_k (positive, summing to 1).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// `sum_k w_k f(t_k)`, the rule's estimate of the integral of `f` over (0, 1).
    pub fn integrate<F: FnMut(f64) -> f64>(&self, mut f: F) -> f64 {
        self.nodes
            .iter()
            .zip(&self.weights)
            .map(|(&t, &w)| w * f(t))
            .sum()
    }
}

/// `(P_n(x), P_n'(x))` by the three-term recurrence.
fn legendre(n: usize, x: f64) -> (f64, f64) {
    let (mut previous, mut current) = (1.0, x);
    for k in 2..=n {
        let k = k as f64;
        let next = ((2.0 * k - 1.0) * x * current - (k - 1.0) * previous) / k;
        previous = current;
        current = next;
    }
    if n == 0 {
        return (1.0, 0.0);
    }
    let derivative = n as f64 * (x * current - previous) / (x * x - 1.0);
    (current, derivative)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one_and_nodes_are_interior_increasing_symmetric() {
        for n in [1, 2, 3, 7, 16, 64, 512] {
            let rule = TimeQuadrature::gauss_legendre(n).unwrap();
            let sum: f64 = rule.weights().iter().sum();
            assert!((sum - 1.0).abs() < 1e-13, "n = {n}: {sum}");
            assert!(rule.weights().iter().all(|&w| w > 0.0));
            let t = rule.nodes();
            assert!(t[0] > 0.0 && t[n - 1] < 1.0);
            assert!(t.windows(2).all(|p| p[0] < p[1]), "n = {n}");
            for k in 0..n {
                assert!((t[k] + t[n - 1 - k] - 1.0).abs() < 1e-13);
            }
        }
    }

    #[test]
    fn matches_tabulated_small_rules() {
        let two = TimeQuadrature::gauss_legendre(2).unwrap();
        let offset = 0.5 / 3f64.sqrt();
        assert!((two.nodes()[0] - (0.5 - offset)).abs() < 1e-15);
        assert!((two.weights()[1] - 0.5).abs() < 1e-15);
        let three = TimeQuadrature::gauss_legendre(3).unwrap();
        let offset = 0.5 * 0.6f64.sqrt();
        let expected_nodes = [0.5 - offset, 0.5, 0.5 + offset];
        let expected_weights = [5.0 / 18.0, 8.0 / 18.0, 5.0 / 18.0];
        for k in 0..3 {
            assert!((three.nodes()[k] - expected_nodes[k]).abs() < 1e-15);
            assert!((three.weights()[k] - expected_weights[k]).abs() < 1e-15);
        }
    }

    #[test]
    fn exact_for_polynomials_up_to_degree_2n_minus_1_and_not_beyond() {
        for n in 1..=20usize {
            let rule = TimeQuadrature::gauss_legendre(n).unwrap();
            for degree in 0..2 * n {
                let estimate = rule.integrate(|t| t.powi(degree as i32));
                let exact = 1.0 / (degree as f64 + 1.0);
                assert!((estimate - exact).abs() < 1e-13, "n = {n}, degree {degree}");
            }
            if n <= 5 {
                let degree = 2 * n as i32;
                let error = rule.integrate(|t| t.powi(degree)) - 1.0 / (degree as f64 + 1.0);
                assert!(
                    error.abs() > 1e-8,
                    "n = {n}: degree {degree} came out exact"
                );
            }
        }
    }

    #[test]
    fn rejects_zero_and_too_many_nodes() {
        assert!(TimeQuadrature::gauss_legendre(0).is_err());
        assert!(TimeQuadrature::gauss_legendre(TimeQuadrature::MAX_NODES + 1).is_err());
    }
}
