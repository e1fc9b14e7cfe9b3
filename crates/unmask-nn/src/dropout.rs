use burn::module::Module;
use burn::tensor::backend::Backend;
use burn::tensor::{Distribution, Int, Tensor, TensorData};
use rand::Rng;

/// Inverted dropout (zero with probability `prob`, scale the rest by `1 / (1 - prob)`), active
/// only under autodiff, as burn-nn's `Dropout`.
///
/// On CPU backends the keep-mask is drawn on the host: burn's CPU backends draw random tensors
/// one element at a time through a generic sampler (about 30 ns per element here, a quarter
/// of a cpu-small training step). One draw from the backend's RNG seeds the host RNG, so
/// `B::seed` still fixes every mask and resumed runs replay them. GPU backends keep drawing on
/// the device.
#[derive(Module, Clone, Debug)]
pub struct Dropout {
    pub prob: f64,
}

impl Dropout {
    pub fn new(prob: f64) -> Self {
        Self { prob }
    }

    pub fn forward<B: Backend, const D: usize>(&self, input: Tensor<B, D>) -> Tensor<B, D> {
        let device = input.device();
        if !B::ad_enabled(&device) || self.prob == 0.0 {
            return input;
        }
        let keep = 1.0 - self.prob;
        if !crate::runs_on_host::<B>(&device) {
            let mask = input.random_like(Distribution::Bernoulli(keep)) / keep;
            return input * mask;
        }
        // Two draws below i32::MAX: every backend's int type holds them.
        let seed: Vec<i64> =
            Tensor::<B, 1, Int>::random([2], Distribution::Uniform(0.0, i32::MAX as f64), &device)
                .into_data()
                .convert::<i64>()
                .to_vec()
                .expect("int tensor data converts to i64");
        let mask = host_mask(
            input.dims(),
            keep,
            ((seed[0] as u64) << 31) | seed[1] as u64,
        );
        input * Tensor::from_data(mask, &device)
    }
}

/// `1 / keep` with probability `keep`, else 0.
fn host_mask<const D: usize>(shape: [usize; D], keep: f64, seed: u64) -> TensorData {
    let mut rng = crate::rng::dropout_stream(seed);
    let threshold = (keep * 2f64.powi(32)) as u64;
    let scale = (1.0 / keep) as f32;
    let values: Vec<f32> = (0..shape.iter().product::<usize>())
        .map(|_| {
            if (rng.random::<u32>() as u64) < threshold {
                scale
            } else {
                0.0
            }
        })
        .collect();
    TensorData::new(values, shape)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::{Autodiff, Flex};

    type Ad = Autodiff<Flex>;

    /// The backend's RNG is one global: tests that seed it must not interleave.
    static BACKEND_RNG: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn serial() -> std::sync::MutexGuard<'static, ()> {
        BACKEND_RNG
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn apply(prob: f64, seed: u64) -> Vec<f32> {
        let device = Default::default();
        Ad::seed(&device, seed);
        let x = Tensor::<Ad, 2>::ones([256, 1024], &device);
        Dropout::new(prob).forward(x).into_data().to_vec().unwrap()
    }

    #[test]
    fn drops_the_asked_fraction_and_rescales_the_rest() {
        let _serial = serial();
        for prob in [0.1, 0.5, 0.9] {
            let out = apply(prob, 7);
            let dropped = out.iter().filter(|&&v| v == 0.0).count() as f64 / out.len() as f64;
            // 262,144 Bernoulli draws: the standard error is below 0.001.
            assert!(
                (dropped - prob).abs() < 0.005,
                "prob {prob}: dropped {dropped}"
            );
            let scale = (1.0 / (1.0 - prob)) as f32;
            assert!(out.iter().all(|&v| v == 0.0 || (v - scale).abs() < 1e-6));
        }
    }

    #[test]
    fn the_backend_seed_fixes_the_mask() {
        let _serial = serial();
        assert_eq!(apply(0.3, 1), apply(0.3, 1));
        assert_ne!(apply(0.3, 1), apply(0.3, 2));
    }

    #[test]
    fn successive_calls_draw_fresh_masks() {
        let _serial = serial();
        let device = Default::default();
        Ad::seed(&device, 3);
        let x = Tensor::<Ad, 1>::ones([4096], &device);
        let dropout = Dropout::new(0.5);
        let a: Vec<f32> = dropout.forward(x.clone()).into_data().to_vec().unwrap();
        let b: Vec<f32> = dropout.forward(x).into_data().to_vec().unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn is_the_identity_without_autodiff_or_at_zero() {
        let _serial = serial();
        let device = Default::default();
        let x = Tensor::<Flex, 1>::ones([1000], &device);
        let out: Vec<f32> = Dropout::new(0.5).forward(x).into_data().to_vec().unwrap();
        assert!(out.iter().all(|&v| v == 1.0));
        assert!(apply(0.0, 1).iter().all(|&v| v == 1.0));
    }

    #[test]
    fn gradients_flow_through_kept_entries_only() {
        let _serial = serial();
        let device = Default::default();
        Ad::seed(&device, 5);
        let x = Tensor::<Ad, 1>::ones([2048], &device).require_grad();
        let out = Dropout::new(0.25).forward(x.clone());
        let kept: Vec<f32> = out.clone().into_data().to_vec().unwrap();
        let grads = out.sum().backward();
        let grad: Vec<f32> = x.grad(&grads).unwrap().into_data().to_vec().unwrap();
        assert_eq!(kept, grad);
    }
}
