//! The weight-file reader (burn-store underneath): every stored dtype comes back as the same
//! f32 values, both file formats agree, and bad files are errors, not panics.

use std::path::Path;

use safetensors::Dtype;
use safetensors::tensor::TensorView;
use unmask_nn::ModelError;
use unmask_nn::tensor_file::{RawTensor, TensorMap, read_tensors, write_safetensors};

/// Values every dtype below represents exactly.
const VALUES: [f32; 6] = [0.0, 1.0, -2.0, 0.5, 3.0, -0.25];

fn write_with_dtypes(path: &Path, tensors: &[(&str, Dtype, Vec<u8>)]) {
    let views: Vec<(String, TensorView)> = tensors
        .iter()
        .map(|(name, dtype, bytes)| {
            let view = TensorView::new(*dtype, vec![2, 3], bytes).unwrap();
            (name.to_string(), view)
        })
        .collect();
    std::fs::write(path, safetensors::serialize(views, None).unwrap()).unwrap();
}

fn bytes<const N: usize>(to_le: impl Fn(f32) -> [u8; N]) -> Vec<u8> {
    VALUES.iter().flat_map(|&v| to_le(v)).collect()
}

#[test]
fn every_float_and_integer_dtype_reads_as_the_same_f32_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixed.safetensors");
    write_with_dtypes(
        &path,
        &[
            ("f32", Dtype::F32, bytes(f32::to_le_bytes)),
            (
                "f16",
                Dtype::F16,
                bytes(|v| half::f16::from_f32(v).to_le_bytes()),
            ),
            (
                "bf16",
                Dtype::BF16,
                bytes(|v| half::bf16::from_f32(v).to_le_bytes()),
            ),
            ("f64", Dtype::F64, bytes(|v| (v as f64).to_le_bytes())),
        ],
    );
    let tensors = read_tensors(&path).unwrap();
    assert_eq!(tensors.len(), 4);
    for (name, t) in &tensors {
        assert_eq!(t.shape, [2, 3], "{name}");
        assert_eq!(t.data, VALUES, "{name}");
    }

    let ints: Vec<u8> = [0i64, 1, -2, 7, 3, -5]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    write_with_dtypes(&path, &[("i64", Dtype::I64, ints)]);
    assert_eq!(
        read_tensors(&path).unwrap()["i64"].data,
        [0.0, 1.0, -2.0, 7.0, 3.0, -5.0]
    );
}

#[test]
fn written_safetensors_read_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let mut tensors = TensorMap::new();
    tensors.insert(
        "a.weight".into(),
        RawTensor {
            shape: vec![2, 3],
            data: vec![1e-8, -3.5, 7.25, f32::MAX, f32::MIN_POSITIVE, 0.1],
        },
    );
    tensors.insert(
        "a.bias".into(),
        RawTensor {
            shape: vec![3],
            data: vec![0.1, 0.2, 0.3],
        },
    );
    write_safetensors(&path, &tensors).unwrap();
    let back = read_tensors(&path).unwrap();
    assert_eq!(back.len(), 2);
    for (name, t) in &tensors {
        assert_eq!(back[name].shape, t.shape);
        assert_eq!(back[name].data, t.data);
    }
}

#[test]
fn a_bool_tensor_is_an_unsupported_dtype_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mask.safetensors");
    write_with_dtypes(&path, &[("mask", Dtype::BOOL, vec![1, 0, 1, 1, 0, 0])]);
    match read_tensors(&path) {
        Err(ModelError::UnsupportedDtype { name, .. }) => assert_eq!(name, "mask"),
        other => panic!("expected UnsupportedDtype, got {other:?}"),
    }
}

#[test]
fn missing_truncated_and_foreign_files_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing.safetensors");
    assert!(matches!(read_tensors(&missing), Err(ModelError::Io { .. })));

    let good = dir.path().join("good.safetensors");
    write_with_dtypes(&good, &[("f32", Dtype::F32, bytes(f32::to_le_bytes))]);
    let full = std::fs::read(&good).unwrap();
    let truncated = dir.path().join("truncated.safetensors");
    std::fs::write(&truncated, &full[..full.len() - 5]).unwrap();
    assert!(matches!(
        read_tensors(&truncated),
        Err(ModelError::Checkpoint { .. })
    ));

    let text = dir.path().join("pytorch_model.bin");
    std::fs::write(&text, "this is not a pickle").unwrap();
    assert!(matches!(
        read_tensors(&text),
        Err(ModelError::Checkpoint { .. })
    ));
}
