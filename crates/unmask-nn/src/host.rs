use burn::tensor::backend::Backend;

/// Whether `B` keeps its tensors in host memory and runs on the CPU (Flex, ndarray): there
/// some work is cheaper done differently than on a GPU (dropout masks drawn on the host,
/// attention through batched matmuls instead of the fused kernel).
pub fn runs_on_host<B: Backend>(device: &B::Device) -> bool {
    let name = B::name(device);
    ["flex", "ndarray"].iter().any(|cpu| name.contains(cpu))
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};

    #[test]
    fn flex_runs_on_the_host_with_or_without_autodiff() {
        assert!(super::runs_on_host::<Flex>(&Default::default()));
        assert!(super::runs_on_host::<Autodiff<Flex>>(&Default::default()));
    }
}
