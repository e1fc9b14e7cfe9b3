//! Hugging Face checkpoints in and out: `config.json` + `model.safetensors` (or
//! `pytorch_model.bin`) with `ModernBertForMaskedLM`'s tensor names, through the model's one
//! parameter walk.

use std::path::{Path, PathBuf};

use burn::tensor::backend::Backend;
use unmask_nn::ModelError;
use unmask_nn::hf_params::{CheckpointTensors, Loader, RandomInit, Saver};
pub use unmask_nn::tensor_file::{PYTORCH_FILE, SAFETENSORS_FILE};
use unmask_nn::tensor_file::{TensorMap, model_dir_files, read_tensors, write_safetensors};

use crate::config::ModernBertConfig;
use crate::model::ModernBert;
use crate::params::{DECODER_BIAS, DECODER_WEIGHT, EMBEDDINGS, HEAD_DENSE, MODEL_PREFIX, skeleton};

pub const CONFIG_FILE: &str = "config.json";

pub use unmask_nn::hf_params::LoadReport;

/// Loads `config.json` and the weights of a Hugging Face ModernBERT directory.
pub fn load_modernbert<B: Backend>(
    dir: &Path,
    device: &B::Device,
) -> Result<(ModernBert<B>, LoadReport), ModelError> {
    let (config, weights) = model_dir_files(dir)?;
    let config = ModernBertConfig::from_file(&config)?;
    let (model, mut report) = from_tensors(&config, read_tensors(&weights)?, device)?;
    report.weights = weights;
    Ok((model, report))
}

/// Builds a model from tensors under transformers' names (with or without `model.`).
pub fn from_tensors<B: Backend>(
    config: &ModernBertConfig,
    tensors: TensorMap,
    device: &B::Device,
) -> Result<(ModernBert<B>, LoadReport), ModelError> {
    config.validate()?;
    let mut tensors = CheckpointTensors::new(tensors, MODEL_PREFIX);
    let mut model = skeleton(config, device);
    model.walk_encoder(&mut Loader {
        tensors: &mut tensors,
        device,
    })?;
    let fresh_head = !tensors.contains(HEAD_DENSE);
    if fresh_head {
        model.walk_head(&mut RandomInit { device })?;
    } else {
        model.walk_head(&mut Loader {
            tensors: &mut tensors,
            device,
        })?;
    }
    tensors.check_tied(DECODER_WEIGHT, EMBEDDINGS)?;
    if fresh_head {
        // A decoder bias without a head would be a checkpoint we do not understand.
        if tensors.contains(DECODER_BIAS) {
            return Err(ModelError::Invalid(format!(
                "checkpoint has `{DECODER_BIAS}` but no `{HEAD_DENSE}`"
            )));
        }
    }
    let ignored = tensors.finish(|name| {
        name.starts_with("classifier.") || name.starts_with("drop.") || name.ends_with("inv_freq")
    })?;
    Ok((
        model,
        LoadReport {
            weights: PathBuf::new(),
            fresh_head,
            ignored,
        },
    ))
}

/// The model's tensors under transformers' `ModernBertForMaskedLM` names (the tied decoder
/// weight is not stored, as transformers saves it).
pub fn to_tensors<B: Backend>(model: &ModernBert<B>) -> Result<TensorMap, ModelError> {
    let mut saver = Saver::default();
    model.clone().walk(&mut saver)?;
    Ok(saver.tensors)
}

/// Saves `config.json` and `model.safetensors` into `dir` (each file written atomically).
pub fn save_modernbert<B: Backend>(model: &ModernBert<B>, dir: &Path) -> Result<(), ModelError> {
    std::fs::create_dir_all(dir).map_err(|source| ModelError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    write_safetensors(&dir.join(SAFETENSORS_FILE), &to_tensors(model)?)?;
    let config = serde_json::to_string_pretty(&model.config().to_hf_json())
        .map_err(|e| ModelError::Invalid(format!("config.json: {e}")))?;
    Ok(unmask_io::write_atomic(
        &dir.join(CONFIG_FILE),
        config.as_bytes(),
    )?)
}
