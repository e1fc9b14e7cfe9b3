//! Reading named f32 tensors from `model.safetensors` or `pytorch_model.bin`, whatever
//! their stored dtype, and writing safetensors atomically.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::tensor::DType;
use burn_store::{ModuleStore, PytorchStore, SafetensorsStore, TensorSnapshot};
use safetensors::Dtype;

use crate::error::ModelError;

/// A tensor read from a checkpoint, converted to f32.
#[derive(Debug, Clone)]
pub struct RawTensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

pub type TensorMap = BTreeMap<String, RawTensor>;

pub const SAFETENSORS_FILE: &str = "model.safetensors";
pub const PYTORCH_FILE: &str = "pytorch_model.bin";

/// The weights file of a Hugging Face model directory: `model.safetensors`, else
/// `pytorch_model.bin`.
pub fn find_weights(dir: &Path) -> Result<PathBuf, ModelError> {
    [SAFETENSORS_FILE, PYTORCH_FILE]
        .iter()
        .map(|name| dir.join(name))
        .find(|path| path.is_file())
        .ok_or_else(|| ModelError::Checkpoint {
            path: dir.to_path_buf(),
            reason: format!(
                "no weights: expected {SAFETENSORS_FILE} or {PYTORCH_FILE} in this directory"
            ),
        })
}

/// The `config.json` and the weights file of a Hugging Face model directory (an error when
/// the directory does not exist or holds no weights).
pub fn model_dir_files(dir: &Path) -> Result<(PathBuf, PathBuf), ModelError> {
    if !dir.is_dir() {
        return Err(ModelError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such model directory"),
        });
    }
    Ok((dir.join("config.json"), find_weights(dir)?))
}

/// Reads a `config.json` and parses it with `parse`; a config error names the file.
pub fn read_config<T>(
    path: &Path,
    parse: impl FnOnce(&str) -> Result<T, ModelError>,
) -> Result<T, ModelError> {
    let text = std::fs::read_to_string(path).map_err(|source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text).map_err(|err| match err {
        ModelError::Config(msg) => ModelError::Config(format!("{}: {msg}", path.display())),
        other => other,
    })
}

/// `model_type` of a Hugging Face model directory's `config.json` (empty when absent): what
/// kind of model the directory holds (`bert`, `roberta`, `modernbert`, `gpt2`, ...).
pub fn model_type(dir: &Path) -> Result<String, ModelError> {
    let path = dir.join("config.json");
    let text = std::fs::read_to_string(&path).map_err(|source| ModelError::Io {
        path: path.clone(),
        source,
    })?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| ModelError::Config(format!("{}: not valid JSON: {e}", path.display())))?;
    Ok(value
        .get("model_type")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string())
}

/// Reads every tensor of a `.safetensors` or PyTorch `.bin`/`.pt` file, through burn-store's
/// readers (safetensors memory-mapped, PyTorch pickles without Python).
pub fn read_tensors(path: &Path) -> Result<TensorMap, ModelError> {
    if !path.is_file() {
        return Err(ModelError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let is_safetensors = path.extension().is_some_and(|e| e == "safetensors");
    if is_safetensors {
        to_f32_map(path, SafetensorsStore::from_file(path).get_all_snapshots())
    } else {
        to_f32_map(path, PytorchStore::from_file(path).get_all_snapshots())
    }
}

fn checkpoint_error(path: &Path, reason: impl ToString) -> ModelError {
    ModelError::Checkpoint {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Materialises every snapshot as f32: whatever the file stores (f16, bf16, f64, integers),
/// the model's parameters are f32 (burn-store's own `apply` would keep the file's dtype).
fn to_f32_map<E: std::fmt::Display>(
    path: &Path,
    snapshots: Result<&BTreeMap<String, TensorSnapshot>, E>,
) -> Result<TensorMap, ModelError> {
    let snapshots = snapshots.map_err(|e| checkpoint_error(path, e))?;
    let mut out = TensorMap::new();
    for (name, snapshot) in snapshots {
        if matches!(snapshot.dtype, DType::QFloat(_) | DType::Bool(_)) {
            return Err(ModelError::UnsupportedDtype {
                name: name.clone(),
                dtype: format!("{:?}", snapshot.dtype),
            });
        }
        let data = snapshot
            .to_data()
            .map_err(|e| checkpoint_error(path, format!("tensor `{name}`: {e}")))?;
        let shape = data.shape.to_vec();
        let data = data
            .convert::<f32>()
            .into_vec::<f32>()
            .map_err(|e| checkpoint_error(path, format!("tensor `{name}`: {e:?}")))?;
        out.insert(name.clone(), RawTensor { shape, data });
    }
    Ok(out)
}

/// Writes `tensors` as f32 safetensors to `path` through a temporary file and a rename,
/// so a crash never leaves a half-written checkpoint.
pub fn write_safetensors(path: &Path, tensors: &TensorMap) -> Result<(), ModelError> {
    let buffers: Vec<(&String, &RawTensor, Vec<u8>)> = tensors
        .iter()
        .map(|(name, t)| {
            (
                name,
                t,
                t.data.iter().flat_map(|v| v.to_le_bytes()).collect(),
            )
        })
        .collect();
    let views = buffers
        .iter()
        .map(|(name, t, bytes)| {
            safetensors::tensor::TensorView::new(Dtype::F32, t.shape.clone(), bytes)
                .map(|view| (name.to_string(), view))
                .map_err(|e| checkpoint_error(path, e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut metadata = std::collections::HashMap::new();
    metadata.insert("format".to_string(), "pt".to_string());
    let bytes =
        safetensors::serialize(views, Some(metadata)).map_err(|e| checkpoint_error(path, e))?;
    Ok(unmask_io::write_atomic(path, &bytes)?)
}
