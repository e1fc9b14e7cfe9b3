//! Reading named f32 tensors from `model.safetensors` or `pytorch_model.bin`, whatever
//! their stored dtype, and writing safetensors atomically.

use std::collections::BTreeMap;
use std::path::Path;

use safetensors::{Dtype, SafeTensors};

use crate::error::ModelError;

/// A tensor read from a checkpoint, converted to f32.
#[derive(Debug, Clone)]
pub struct RawTensor {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

pub type TensorMap = BTreeMap<String, RawTensor>;

/// Reads every tensor of a `.safetensors` or PyTorch `.bin`/`.pt` file.
pub fn read_tensors(path: &Path) -> Result<TensorMap, ModelError> {
    let is_safetensors = path.extension().is_some_and(|e| e == "safetensors");
    if is_safetensors {
        read_safetensors(path)
    } else {
        read_pytorch(path)
    }
}

fn checkpoint_error(path: &Path, reason: impl ToString) -> ModelError {
    ModelError::Checkpoint {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

fn read_safetensors(path: &Path) -> Result<TensorMap, ModelError> {
    let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let file = SafeTensors::deserialize(&bytes).map_err(|e| checkpoint_error(path, e))?;
    let mut out = TensorMap::new();
    for (name, view) in file.tensors() {
        let data = to_f32(&name, view.dtype(), view.data())?;
        out.insert(
            name,
            RawTensor {
                shape: view.shape().to_vec(),
                data,
            },
        );
    }
    Ok(out)
}

fn to_f32(name: &str, dtype: Dtype, bytes: &[u8]) -> Result<Vec<f32>, ModelError> {
    let chunks = |n: usize| bytes.chunks_exact(n);
    Ok(match dtype {
        Dtype::F32 => chunks(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        Dtype::F16 => chunks(2)
            .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect(),
        Dtype::BF16 => chunks(2)
            .map(|c| half::bf16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect(),
        Dtype::F64 => chunks(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")) as f32)
            .collect(),
        Dtype::I64 => chunks(8)
            .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")) as f32)
            .collect(),
        other => {
            return Err(ModelError::UnsupportedDtype {
                name: name.to_string(),
                dtype: format!("{other:?}"),
            });
        }
    })
}

fn read_pytorch(path: &Path) -> Result<TensorMap, ModelError> {
    if !path.is_file() {
        return Err(ModelError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let reader =
        burn_store::pytorch::PytorchReader::new(path).map_err(|e| checkpoint_error(path, e))?;
    let mut out = TensorMap::new();
    for (name, snapshot) in reader.into_tensors() {
        let data = snapshot
            .to_data()
            .map_err(|e| checkpoint_error(path, format!("tensor `{name}`: {e}")))?;
        let shape = data.shape.to_vec();
        let data = data
            .convert::<f32>()
            .into_vec::<f32>()
            .map_err(|e| checkpoint_error(path, format!("tensor `{name}`: {e:?}")))?;
        out.insert(name, RawTensor { shape, data });
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
    write_atomically(path, &bytes)
}

/// Writes `bytes` to `path` through the workspace's atomic write (`unmask_io`: a temporary
/// file, fsync, rename, fsync of the directory).
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ModelError> {
    unmask_io::write_atomic(path, bytes).map_err(|source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    })
}
