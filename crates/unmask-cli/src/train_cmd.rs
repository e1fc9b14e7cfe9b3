//! `unmask train`: a TOML config (or a shipped preset) on the chosen device.

use std::path::PathBuf;

use anyhow::Result;
use burn::tensor::backend::AutodiffBackend;
use unmask_runtime::device::BackendJob;
use unmask_train::config::ModelSection;
use unmask_train::{TrainConfig, TrainOptions, TrainSummary, train};

pub struct Train {
    pub config: TrainConfig,
    pub options: TrainOptions,
}

impl Train {
    /// From `--config FILE` or `--preset NAME`, with command-line overrides.
    pub fn load(config: Option<PathBuf>, preset: Option<String>) -> Result<TrainConfig> {
        let config = match (config, preset) {
            (Some(path), None) => TrainConfig::from_file(&path),
            (None, Some(name)) => TrainConfig::preset(&name),
            (None, None) => TrainConfig::preset("cpu-small"),
            (Some(_), Some(_)) => Err("give either --config or --preset, not both".to_string()),
        };
        config.map_err(anyhow::Error::msg)
    }
}

impl BackendJob for Train {
    type Output = TrainSummary;

    fn run<B: AutodiffBackend>(mut self, device: B::Device) -> Result<Self::Output> {
        if let ModelSection::Pretrained { source, .. } = &self.config.model
            && self.options.model_dir.is_none()
        {
            self.options.model_dir = Some(unmask_runtime::source::model_dir(source)?);
        }
        train::<B>(&self.config, &device, &self.options)
    }
}
