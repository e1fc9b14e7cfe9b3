//! Hugging Face checkpoints in and out: `config.json` + `model.safetensors` or
//! `pytorch_model.bin`, with transformers' GPT-2 tensor names.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use burn::tensor::{Tensor, TensorData, backend::Backend};
use unmask_nn::ModelError;
use unmask_nn::tensor_file::{
    RawTensor, TensorMap, read_tensors, write_atomically, write_safetensors,
};

use crate::config::Gpt2Config;
use crate::error::Gpt2Error;
use crate::model::Gpt2LmHead;
use crate::params::{self, ParamRole, ParamSource, WPE, WTE, block_prefix};

pub const CONFIG_FILE: &str = "config.json";
pub const SAFETENSORS_FILE: &str = "model.safetensors";
pub const PYTORCH_FILE: &str = "pytorch_model.bin";
/// The prefix `GPT2LMHeadModel` puts before the `GPT2Model` names.
pub const MODEL_PREFIX: &str = "transformer.";
pub const LM_HEAD: &str = "lm_head.weight";

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
        for name in [SAFETENSORS_FILE, PYTORCH_FILE] {
            let weights = path.join(name);
            if weights.is_file() {
                return Ok((path.join(CONFIG_FILE), weights));
            }
        }
        return Err(ModelError::Checkpoint {
            path: path.to_path_buf(),
            reason: format!(
                "no weights: expected {SAFETENSORS_FILE} or {PYTORCH_FILE} in this directory"
            ),
        }
        .into());
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
    let mut src = CheckpointSource::new(tensors, device);
    let model = params::build(config, device, &mut src)?;
    let checked_tied_lm_head = src.check_tied_lm_head()?;
    let ignored = src.finish()?;
    let report = LoadReport {
        weights: PathBuf::new(),
        checked_tied_lm_head,
        ignored,
    };
    Ok((model, report))
}

/// Serves tensors by name, remembering which were used.
struct CheckpointSource<'a, B: Backend> {
    tensors: TensorMap,
    used: BTreeSet<String>,
    prefix: &'static str,
    device: &'a B::Device,
}

impl<'a, B: Backend> CheckpointSource<'a, B> {
    fn new(tensors: TensorMap, device: &'a B::Device) -> Self {
        let prefix = if tensors.keys().any(|k| k.starts_with(MODEL_PREFIX)) {
            MODEL_PREFIX
        } else {
            ""
        };
        Self {
            tensors,
            used: BTreeSet::new(),
            prefix,
            device,
        }
    }

    fn take(&mut self, name: &str, shape: &[usize]) -> Result<RawTensor, Gpt2Error> {
        let full = format!("{}{name}", self.prefix);
        let tensor = self
            .tensors
            .get(&full)
            .ok_or_else(|| ModelError::MissingTensor {
                name: full.clone(),
                shape: shape.to_vec(),
            })?;
        if tensor.shape != shape {
            return Err(ModelError::ShapeMismatch {
                name: full,
                expected: shape.to_vec(),
                found: tensor.shape.clone(),
            }
            .into());
        }
        let tensor = tensor.clone();
        self.used.insert(full);
        Ok(tensor)
    }

    /// A stored `lm_head.weight` must equal the token embeddings: the model keeps one matrix.
    fn check_tied_lm_head(&mut self) -> Result<bool, Gpt2Error> {
        let Some(head) = self.tensors.get(LM_HEAD) else {
            return Ok(false);
        };
        let wte_name = format!("{}{WTE}", self.prefix);
        let wte = &self.tensors[&wte_name];
        if head.shape != wte.shape || head.data != wte.data {
            return Err(Gpt2Error::UntiedLmHead {
                name: LM_HEAD.into(),
                tied_to: wte_name,
            });
        }
        self.used.insert(LM_HEAD.into());
        Ok(true)
    }

    /// Names of unused buffers; an error for any other unused tensor.
    fn finish(self) -> Result<Vec<String>, Gpt2Error> {
        let (ignored, unexpected): (Vec<String>, Vec<String>) = self
            .tensors
            .keys()
            .filter(|n| !self.used.contains(*n))
            .cloned()
            .partition(|n| n.ends_with(".attn.bias") || n.ends_with(".attn.masked_bias"));
        if unexpected.is_empty() {
            Ok(ignored)
        } else {
            Err(ModelError::UnexpectedTensors { names: unexpected }.into())
        }
    }
}

impl<B: Backend> ParamSource<B> for CheckpointSource<'_, B> {
    fn tensor1(&mut self, name: &str, dim: usize, _: ParamRole) -> Result<Tensor<B, 1>, Gpt2Error> {
        let t = self.take(name, &[dim])?;
        Ok(Tensor::from_data(
            TensorData::new(t.data, [dim]),
            self.device,
        ))
    }

    fn tensor2(
        &mut self,
        name: &str,
        shape: [usize; 2],
        _: ParamRole,
    ) -> Result<Tensor<B, 2>, Gpt2Error> {
        let t = self.take(name, &shape)?;
        Ok(Tensor::from_data(
            TensorData::new(t.data, shape),
            self.device,
        ))
    }
}

fn raw<B: Backend, const D: usize>(t: Tensor<B, D>) -> Result<RawTensor, Gpt2Error> {
    let data = t.into_data().convert::<f32>();
    Ok(RawTensor {
        shape: data.shape.to_vec(),
        data: data
            .into_vec::<f32>()
            .map_err(|e| Gpt2Error::Readback(format!("{e:?}")))?,
    })
}

/// The model's tensors under `GPT2LMHeadModel` names (the tied `lm_head.weight` is not
/// stored, as transformers itself saves it).
pub fn to_tensors<B: Backend>(model: &Gpt2LmHead<B>) -> Result<TensorMap, Gpt2Error> {
    let mut out = TensorMap::new();
    let mut put = |name: String, t: RawTensor| {
        out.insert(format!("{MODEL_PREFIX}{name}"), t);
    };
    let linear = |put: &mut dyn FnMut(String, RawTensor), name: String, l: &burn::nn::Linear<B>| {
        put(format!("{name}.weight"), raw(l.weight.val())?);
        if let Some(b) = &l.bias {
            put(format!("{name}.bias"), raw(b.val())?);
        }
        Ok::<(), Gpt2Error>(())
    };
    let layer_norm =
        |put: &mut dyn FnMut(String, RawTensor), name: String, ln: &burn::nn::LayerNorm<B>| {
            put(format!("{name}.weight"), raw(ln.gamma.val())?);
            if let Some(b) = &ln.beta {
                put(format!("{name}.bias"), raw(b.val())?);
            }
            Ok::<(), Gpt2Error>(())
        };
    put(WTE.into(), raw(model.wte.weight.val())?);
    put(WPE.into(), raw(model.wpe.weight.val())?);
    for (i, block) in model.blocks.iter().enumerate() {
        let p = block_prefix(i);
        layer_norm(&mut put, format!("{p}.ln_1"), &block.ln_1)?;
        linear(&mut put, format!("{p}.attn.c_attn"), &block.attn.c_attn)?;
        linear(&mut put, format!("{p}.attn.c_proj"), &block.attn.c_proj)?;
        layer_norm(&mut put, format!("{p}.ln_2"), &block.ln_2)?;
        linear(&mut put, format!("{p}.mlp.c_fc"), &block.mlp.c_fc)?;
        linear(&mut put, format!("{p}.mlp.c_proj"), &block.mlp.c_proj)?;
    }
    layer_norm(&mut put, "ln_f".into(), &model.ln_f)?;
    Ok(out)
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
    write_atomically(&dir.join(CONFIG_FILE), json.as_bytes())?;
    Ok(())
}
