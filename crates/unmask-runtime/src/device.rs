//! `--device cpu|cuda[:N]|wgpu`, and running a generic job on the backend it names.

use std::fmt;
use std::str::FromStr;

use anyhow::Result;

/// Where to run: the pure-Rust CPU backend (default), a CUDA GPU, or wgpu's default adapter
/// (Vulkan, Metal or DX12; Mesa's lavapipe on a Linux machine without a GPU).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceSpec {
    #[default]
    Cpu,
    Cuda(usize),
    Wgpu,
}

impl FromStr for DeviceSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cpu" => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda(0)),
            "wgpu" => Ok(Self::Wgpu),
            other => match other.strip_prefix("cuda:") {
                Some(n) => n.parse().map(Self::Cuda).map_err(|_| {
                    format!("`{s}`: the CUDA device index must be a number, e.g. cuda:0")
                }),
                None => Err(format!(
                    "`{s}` is not a device; use cpu, cuda, cuda:N or wgpu"
                )),
            },
        }
    }
}

impl fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cpu => write!(f, "cpu"),
            Self::Cuda(n) => write!(f, "cuda:{n}"),
            Self::Wgpu => write!(f, "wgpu"),
        }
    }
}

/// A job generic over the backend; `run_on` picks the backend from a `DeviceSpec`.
pub trait BackendJob {
    type Output;
    fn run<B: burn::tensor::backend::AutodiffBackend>(
        self,
        device: B::Device,
    ) -> Result<Self::Output>;
}

pub fn run_on<J: BackendJob>(spec: DeviceSpec, job: J) -> Result<J::Output> {
    match spec {
        DeviceSpec::Cpu => {
            job.run::<burn::backend::Autodiff<burn::backend::Flex>>(Default::default())
        }
        DeviceSpec::Cuda(index) => run_cuda(index, job),
        DeviceSpec::Wgpu => run_wgpu(job),
    }
}

#[cfg(feature = "cuda")]
fn run_cuda<J: BackendJob>(index: usize, job: J) -> Result<J::Output> {
    use burn::backend::cuda::CudaDevice;
    job.run::<burn::backend::Autodiff<burn::backend::Cuda>>(CudaDevice::new(index))
}

#[cfg(not(feature = "cuda"))]
fn run_cuda<J: BackendJob>(index: usize, _job: J) -> Result<J::Output> {
    anyhow::bail!(
        "--device cuda:{index}: this binary was built without CUDA support; rebuild it with \
         the `cuda` feature (`cargo build --release -p unmask-cli --features cuda`, or \
         `cargo run --release -p experiments --features cuda -- ...`)"
    )
}

#[cfg(feature = "wgpu")]
fn run_wgpu<J: BackendJob>(job: J) -> Result<J::Output> {
    job.run::<burn::backend::Autodiff<burn::backend::Wgpu>>(Default::default())
}

#[cfg(not(feature = "wgpu"))]
fn run_wgpu<J: BackendJob>(_job: J) -> Result<J::Output> {
    anyhow::bail!(
        "--device wgpu: this binary was built without wgpu support; rebuild it with the \
         `wgpu` feature (`cargo build --release -p unmask-cli --features wgpu`, or \
         `cargo run --release -p experiments --features wgpu -- ...`)"
    )
}

#[cfg(test)]
mod tests {
    use super::DeviceSpec;

    #[test]
    fn parses_devices() {
        assert_eq!("cpu".parse::<DeviceSpec>(), Ok(DeviceSpec::Cpu));
        assert_eq!("cuda".parse::<DeviceSpec>(), Ok(DeviceSpec::Cuda(0)));
        assert_eq!("cuda:3".parse::<DeviceSpec>(), Ok(DeviceSpec::Cuda(3)));
        assert_eq!("WGPU".parse::<DeviceSpec>(), Ok(DeviceSpec::Wgpu));
        assert_eq!(DeviceSpec::Wgpu.to_string(), "wgpu");
        assert!("cuda:x".parse::<DeviceSpec>().is_err());
        assert!("tpu".parse::<DeviceSpec>().is_err());
    }
}
