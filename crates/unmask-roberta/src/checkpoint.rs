//! Hugging Face checkpoints in and out: `config.json` + `model.safetensors` or
//! `pytorch_model.bin`, with transformers' tensor names, through the model's one parameter
//! walk (`params.rs`).

use std::path::{Path, PathBuf};

use burn::tensor::backend::Backend;
use unmask_nn::ModelError;
use unmask_nn::hf_params::{CheckpointTensors, Loader, RandomInit, Saver};
pub use unmask_nn::tensor_file::{PYTORCH_FILE, SAFETENSORS_FILE, find_weights};
use unmask_nn::tensor_file::{TensorMap, model_dir_files, read_tensors, write_safetensors};

use crate::config::MaskedLmConfig;
use crate::model::MaskedLm;
use crate::params::{head_names, model_prefix, skeleton, word_embeddings_name};

pub const CONFIG_FILE: &str = "config.json";

pub use unmask_nn::hf_params::LoadReport;

/// Loads `config.json` and the weights of a Hugging Face model directory.
pub fn load_masked_lm<B: Backend>(
    dir: &Path,
    device: &B::Device,
) -> Result<(MaskedLm<B>, LoadReport), ModelError> {
    let (config, weights) = model_dir_files(dir)?;
    let config = MaskedLmConfig::from_file(&config)?;
    let tensors = read_tensors(&weights)?;
    let (model, mut report) = from_tensors(&config, tensors, device)?;
    report.weights = weights;
    Ok((model, report))
}

/// Builds a model from named tensors (transformers names, with or without the model prefix).
pub fn from_tensors<B: Backend>(
    config: &MaskedLmConfig,
    tensors: TensorMap,
    device: &B::Device,
) -> Result<(MaskedLm<B>, LoadReport), ModelError> {
    let kind = config.model_type;
    let prefix = model_prefix(kind);
    let names = head_names(kind);
    let mut tensors = CheckpointTensors::new(rename_tf_norms(tensors), prefix);
    let mut model = skeleton(config, device);
    model.walk_encoder(&mut Loader {
        tensors: &mut tensors,
        device,
    })?;
    let fresh_head = !tensors.contains(&format!("{}.weight", names.dense));
    if fresh_head {
        model.walk_head(&mut RandomInit { device })?;
    } else {
        model.walk_head(&mut Loader {
            tensors: &mut tensors,
            device,
        })?;
    }
    // A checkpoint may store the decoder weight/bias (tied in transformers); when it does,
    // they must equal the word embeddings and the head bias, since unmask keeps one
    // parameter. They are then reported as ignored.
    tensors.verify_tied(names.decoder_weight, &word_embeddings_name(kind))?;
    if !fresh_head {
        tensors.verify_tied(names.decoder_bias, names.bias)?;
    }
    let ignored = tensors.finish(|name| {
        let bare = name.strip_prefix(prefix).unwrap_or(name);
        name.ends_with("position_ids")
            || bare.starts_with("pooler.")
            || name.starts_with("cls.seq_relationship.")
            || name.starts_with("lm_head.decoder.")
            || name.starts_with("cls.predictions.decoder.")
    })?;
    let report = LoadReport {
        weights: PathBuf::new(),
        fresh_head,
        ignored,
    };
    Ok((model, report))
}

/// Old TF-converted checkpoints name LayerNorm parameters gamma/beta.
fn rename_tf_norms(tensors: TensorMap) -> TensorMap {
    tensors
        .into_iter()
        .map(|(name, t)| {
            let name = if let Some(stem) = name.strip_suffix(".gamma") {
                format!("{stem}.weight")
            } else if let Some(stem) = name.strip_suffix(".beta") {
                format!("{stem}.bias")
            } else {
                name
            };
            (name, t)
        })
        .collect()
}

/// The model's tensors under transformers' `*ForMaskedLM` names (the tied decoder is not
/// stored, as transformers saves it).
pub fn to_tensors<B: Backend>(model: &MaskedLm<B>) -> TensorMap {
    let mut saver = Saver::default();
    model
        .clone()
        .walk(&mut saver)
        .expect("reading f32 parameters back does not fail");
    saver.tensors
}

/// Saves `config.json` and `model.safetensors` into `dir` in the Hugging Face layout
/// (each file written atomically). Tokenizer files are the caller's.
pub fn save_masked_lm<B: Backend>(model: &MaskedLm<B>, dir: &Path) -> Result<(), ModelError> {
    std::fs::create_dir_all(dir).map_err(|source| ModelError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    write_safetensors(&dir.join(SAFETENSORS_FILE), &to_tensors(model))?;
    let config = serde_json::to_string_pretty(&model.config().to_hf_json()).expect("json");
    Ok(unmask_io::write_atomic(
        &dir.join(CONFIG_FILE),
        config.as_bytes(),
    )?)
}
