//! Hugging Face checkpoints in and out: `config.json` + `model.safetensors` or
//! `pytorch_model.bin`, with transformers' GPT-2 tensor names.

use std::path::{Path, PathBuf};

use burn::tensor::backend::Backend;
use unmask_nn::ModelError;
use unmask_nn::hf_params::{CheckpointTensors, Loader, Saver};
pub use unmask_nn::tensor_file::{PYTORCH_FILE, SAFETENSORS_FILE};
use unmask_nn::tensor_file::{TensorMap, find_weights, read_tensors, write_safetensors};

use crate::config::Gpt2Config;
use crate::error::Gpt2Error;
use crate::model::Gpt2LmHead;
pub use crate::params::{LM_HEAD, MODEL_PREFIX};
use crate::params::{WTE, skeleton};

pub const CONFIG_FILE: &str = "config.json";

/// What loading did beyond the obvious.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadReport {
    /// The weights file that was read.
    pub weights: PathBuf,
    /// The file stored `lm_head.weight`, and it equals the token embeddings.
    pub checked_tied_lm_head: bool,
    /// Tensors in the file that the model does not use (the causal-mask buffers
    /// `attn.bias` / `attn.masked_bias` of older checkpoints).
    pub ignored: Vec<String>,
}

/// Where the config and weights of `path` are: a model directory (`model.safetensors`, else
/// `pytorch_model.bin`), or a weights file with `config.json` beside it.
fn locate(path: &Path) -> Result<(PathBuf, PathBuf), Gpt2Error> {
    if path.is_dir() {
        return Ok((path.join(CONFIG_FILE), find_weights(path)?));
    }
    if path.is_file() {
        let dir = path.parent().unwrap_or(Path::new("."));
        if path.file_name().is_some_and(|n| n == CONFIG_FILE) {
            return locate(dir);
        }
        return Ok((dir.join(CONFIG_FILE), path.to_path_buf()));
    }
    Err(ModelError::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such model directory or weights file",
        ),
    }
    .into())
}

/// Loads a GPT-2 from a Hugging Face model directory or weights file (with `config.json`
/// beside it). Names with the `transformer.` prefix (`GPT2LMHeadModel`) and without it
/// (the original `gpt2` checkpoint) are both accepted.
pub fn load_gpt2<B: Backend>(
    path: impl AsRef<Path>,
    device: &B::Device,
) -> Result<(Gpt2LmHead<B>, LoadReport), Gpt2Error> {
    let (config_path, weights) = locate(path.as_ref())?;
    let config = Gpt2Config::from_file(&config_path)?;
    let tensors = read_tensors(&weights)?;
    let (model, mut report) = from_tensors(&config, tensors, device)?;
    report.weights = weights;
    Ok((model, report))
}

/// Builds a model from named tensors (transformers names, with or without `transformer.`).
pub fn from_tensors<B: Backend>(
    config: &Gpt2Config,
    tensors: TensorMap,
    device: &B::Device,
) -> Result<(Gpt2LmHead<B>, LoadReport), Gpt2Error> {
    let mut tensors = CheckpointTensors::new(tensors, MODEL_PREFIX);
    let mut model = skeleton(config, device)?;
    model.walk(&mut Loader {
        tensors: &mut tensors,
        device,
    })?;
    // A stored `lm_head.weight` must equal the token embeddings: the model keeps one matrix.
    let checked_tied_lm_head = tensors.contains(LM_HEAD);
    if tensors.check_tied(LM_HEAD, WTE).is_err() {
        return Err(Gpt2Error::UntiedLmHead {
            name: LM_HEAD.into(),
            tied_to: WTE.into(),
        });
    }
    // The causal-mask buffers of older checkpoints.
    let ignored = tensors
        .finish(|name| name.ends_with(".attn.bias") || name.ends_with(".attn.masked_bias"))?;
    let report = LoadReport {
        weights: PathBuf::new(),
        checked_tied_lm_head,
        ignored,
    };
    Ok((model, report))
}

/// The model's tensors under `GPT2LMHeadModel` names (the tied `lm_head.weight` is not
/// stored, as transformers itself saves it).
pub fn to_tensors<B: Backend>(model: &Gpt2LmHead<B>) -> Result<TensorMap, Gpt2Error> {
    let mut saver = Saver::default();
    model.clone().walk(&mut saver)?;
    Ok(saver.tensors)
}

/// Saves `config.json` (from `config`) and `model.safetensors` into `dir` in the
/// `GPT2LMHeadModel` layout, each file written atomically. `config` may differ from the
/// model's own in anything but shapes (dropout, special ids, extra keys); tokenizer files are
/// the caller's.
pub fn save_gpt2<B: Backend>(
    model: &Gpt2LmHead<B>,
    config: &Gpt2Config,
    dir: impl AsRef<Path>,
) -> Result<(), Gpt2Error> {
    let dir = dir.as_ref();
    config.validate()?;
    let shapes = |c: &Gpt2Config| {
        (
            c.vocab_size,
            c.n_positions,
            c.n_embd,
            c.n_layer,
            c.n_head,
            c.inner_dim(),
            c.activation_function,
        )
    };
    if shapes(config) != shapes(model.config()) {
        return Err(ModelError::Config(format!(
            "the config to save describes another model than the one given \
             (vocab, positions, width, layers, heads, MLP width, activation: {:?} vs the \
             model's {:?}); pass model.config()",
            shapes(config),
            shapes(model.config())
        ))
        .into());
    }
    std::fs::create_dir_all(dir).map_err(|source| ModelError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    write_safetensors(&dir.join(SAFETENSORS_FILE), &to_tensors(model)?)?;
    let json = serde_json::to_string_pretty(&config.to_hf_json()).expect("json");
    unmask_io::write_atomic(&dir.join(CONFIG_FILE), json.as_bytes()).map_err(ModelError::from)?;
    Ok(())
}
