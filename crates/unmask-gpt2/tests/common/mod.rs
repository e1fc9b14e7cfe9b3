//! Shared helpers of the integration tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use burn::backend::Flex;
use burn::tensor::{Int, Tensor, TensorData};
use unmask_gpt2::{Gpt2Config, Gpt2LmHead, load_gpt2};
use unmask_nn::tensor_file::{RawTensor, read_tensors};

pub type B = Flex;

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The tiny random GPT-2 written by `fixtures/make_fixtures.py`.
pub fn tiny() -> Gpt2LmHead<B> {
    load_gpt2::<B>(fixture("tiny-gpt2"), &Default::default())
        .expect("load tiny-gpt2")
        .0
}

pub fn expected() -> BTreeMap<String, RawTensor> {
    read_tensors(&fixture("tiny-gpt2/expected.safetensors")).expect("expected.safetensors")
}

/// A freshly initialised small model (dropout is inactive on a non-autodiff backend).
pub fn random_model(vocab: usize) -> Gpt2LmHead<B> {
    Gpt2Config::small(vocab)
        .init::<B>(&Default::default())
        .expect("valid config")
}

pub fn ids_tensor(ids: &[u32], batch: usize) -> Tensor<B, 2, Int> {
    let data: Vec<i64> = ids.iter().map(|&v| v as i64).collect();
    Tensor::from_data(
        TensorData::new(data, [batch, ids.len() / batch]),
        &Default::default(),
    )
}

pub fn as_ids(t: &RawTensor) -> Vec<u32> {
    t.data.iter().map(|&v| v as u32).collect()
}

pub fn values<const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data().into_vec::<f32>().unwrap()
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Deterministic pseudo-random ids in `0..vocab`.
pub fn pseudo_ids(n: usize, vocab: usize, seed: u64) -> Vec<u32> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % vocab as u64) as u32
        })
        .collect()
}

/// `log_softmax(row)[target]`, computed in f64 on the host.
pub fn log_prob(row: &[f32], target: usize) -> f64 {
    let max = row.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
    let log_sum = row
        .iter()
        .map(|&v| (v as f64 - max).exp())
        .sum::<f64>()
        .ln()
        + max;
    row[target] as f64 - log_sum
}
