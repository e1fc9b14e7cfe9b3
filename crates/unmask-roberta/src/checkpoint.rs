//! Hugging Face checkpoints in and out: `config.json` + `model.safetensors` or
//! `pytorch_model.bin`, with transformers' tensor names.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use burn::tensor::{Tensor, TensorData, backend::Backend};
use unmask_nn::ModelError;
use unmask_nn::tensor_file::{
    RawTensor, TensorMap, read_tensors, write_atomically, write_safetensors,
};

use crate::config::MaskedLmConfig;
use crate::model::MaskedLm;
use crate::params::{
    self, ParamRole, ParamSource, RandomInit, head_names, layer_prefix, model_prefix,
};

pub const CONFIG_FILE: &str = "config.json";
pub const SAFETENSORS_FILE: &str = "model.safetensors";
pub const PYTORCH_FILE: &str = "pytorch_model.bin";

/// What loading did beyond the obvious.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadReport {
    /// The weights file that was read.
    pub weights: PathBuf,
    /// The checkpoint had no MLM head (an encoder-only model such as a sentence-transformers
    /// `BertModel`): the head was freshly initialised.
    pub fresh_head: bool,
    /// Tensors present in the file that a masked LM does not use (pooler, NSP head, buffers).
    pub ignored: Vec<String>,
}

/// The weights file of a model directory: `model.safetensors`, else `pytorch_model.bin`.
pub fn find_weights(dir: &Path) -> Result<PathBuf, ModelError> {
    for name in [SAFETENSORS_FILE, PYTORCH_FILE] {
        let path = dir.join(name);
        if path.is_file() {
            return Ok(path);
        }
    }
    Err(ModelError::Checkpoint {
        path: dir.to_path_buf(),
        reason: format!(
            "no weights: expected {SAFETENSORS_FILE} or {PYTORCH_FILE} in this directory"
        ),
    })
}

/// Loads `config.json` and the weights of a Hugging Face model directory.
pub fn load_masked_lm<B: Backend>(
    dir: &Path,
    device: &B::Device,
) -> Result<(MaskedLm<B>, LoadReport), ModelError> {
    if !dir.is_dir() {
        return Err(ModelError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such model directory"),
        });
    }
    let config = MaskedLmConfig::from_file(&dir.join(CONFIG_FILE))?;
    let weights = find_weights(dir)?;
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
    let mut src = CheckpointSource::new(config, tensors, device);
    let (embeddings, layers) = params::build_encoder(config, device, &mut src)?;
    let names = head_names(config.model_type);
    let has_head = src.contains(&format!("{}.weight", names.dense));
    let head = if has_head {
        params::build_head(config, device, &mut src)?
    } else {
        params::build_head(config, device, &mut RandomInit { device })?
    };
    let mut report = LoadReport {
        fresh_head: !has_head,
        ..LoadReport::default()
    };
    src.check_tied_decoder(&names, has_head)?;
    report.ignored = src.finish()?;
    let model = MaskedLm {
        embeddings,
        layers,
        head,
        config: config.clone(),
    };
    Ok((model, report))
}

/// Serves tensors by name, remembering which were used.
struct CheckpointSource<'a, B: Backend> {
    tensors: TensorMap,
    used: BTreeSet<String>,
    prefix: &'static str,
    device: &'a B::Device,
    word_embeddings: Option<RawTensor>,
}

impl<'a, B: Backend> CheckpointSource<'a, B> {
    fn new(config: &MaskedLmConfig, tensors: TensorMap, device: &'a B::Device) -> Self {
        // Old TF-converted checkpoints name LayerNorm parameters gamma/beta.
        let tensors: TensorMap = tensors
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
            .collect();
        let model_prefix = model_prefix(config.model_type);
        let prefix = if tensors.keys().any(|k| k.starts_with(model_prefix)) {
            model_prefix
        } else {
            ""
        };
        Self {
            tensors,
            used: BTreeSet::new(),
            prefix,
            device,
            word_embeddings: None,
        }
    }

    fn contains(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }

    /// Encoder tensors carry the model prefix; head tensors never do.
    fn full_name(&self, name: &str) -> String {
        if name.starts_with("embeddings.") || name.starts_with("encoder.") {
            format!("{}{name}", self.prefix)
        } else {
            name.to_string()
        }
    }

    fn take(&mut self, name: &str, shape: &[usize]) -> Result<&RawTensor, ModelError> {
        let full = self.full_name(name);
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
            });
        }
        self.used.insert(full);
        Ok(tensor)
    }

    /// A checkpoint may store the decoder weight/bias (tied in transformers); when it does,
    /// they must equal the word embeddings and the head bias, since unmask keeps one parameter.
    fn check_tied_decoder(
        &self,
        names: &params::HeadNames,
        has_head: bool,
    ) -> Result<(), ModelError> {
        let pairs = [
            (names.decoder_weight, self.word_embeddings.clone()),
            (
                names.decoder_bias,
                has_head
                    .then(|| self.tensors.get(names.bias).cloned())
                    .flatten(),
            ),
        ];
        for (name, tied_to) in pairs {
            let Some(stored) = self.tensors.get(name) else {
                continue;
            };
            if let Some(tied) = tied_to {
                let same = stored.shape == tied.shape
                    && stored.data.iter().zip(&tied.data).all(|(a, b)| a == b);
                if !same {
                    return Err(ModelError::Invalid(format!(
                        "checkpoint tensor `{name}` differs from the parameter it is tied to; \
                         unmask supports only tied MLM decoders"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Names of unused tensors that are known to be irrelevant; an error for any other.
    fn finish(self) -> Result<Vec<String>, ModelError> {
        let mut ignored = Vec::new();
        let mut unexpected = Vec::new();
        for name in self.tensors.keys().filter(|n| !self.used.contains(*n)) {
            let known_extra = name.ends_with("position_ids")
                || name.starts_with(&format!("{}pooler.", self.prefix))
                || name.starts_with("cls.seq_relationship.")
                || name.starts_with("lm_head.decoder.")
                || name.starts_with("cls.predictions.decoder.");
            if known_extra {
                ignored.push(name.clone());
            } else {
                unexpected.push(name.clone());
            }
        }
        if unexpected.is_empty() {
            Ok(ignored)
        } else {
            Err(ModelError::UnexpectedTensors { names: unexpected })
        }
    }
}

impl<B: Backend> ParamSource<B> for CheckpointSource<'_, B> {
    fn tensor1(
        &mut self,
        name: &str,
        dim: usize,
        _: ParamRole,
    ) -> Result<Tensor<B, 1>, ModelError> {
        let device = self.device;
        let t = self.take(name, &[dim])?;
        Ok(Tensor::from_data(
            TensorData::new(t.data.clone(), [dim]),
            device,
        ))
    }

    fn tensor2(&mut self, name: &str, shape: [usize; 2]) -> Result<Tensor<B, 2>, ModelError> {
        let device = self.device;
        let t = self.take(name, &shape)?.clone();
        if name == "embeddings.word_embeddings.weight" {
            self.word_embeddings = Some(t.clone());
        }
        Ok(Tensor::from_data(TensorData::new(t.data, shape), device))
    }
}

fn raw<B: Backend, const D: usize>(t: Tensor<B, D>) -> RawTensor {
    let data = t.into_data().convert::<f32>();
    RawTensor {
        shape: data.shape.to_vec(),
        data: data.into_vec::<f32>().expect("f32 data"),
    }
}

/// The model's tensors under transformers' `*ForMaskedLM` names.
pub fn to_tensors<B: Backend>(model: &MaskedLm<B>) -> TensorMap {
    let config = model.config();
    let prefix = model_prefix(config.model_type);
    let mut out = TensorMap::new();
    let put_linear = |out: &mut TensorMap, name: String, l: &burn::nn::Linear<B>| {
        out.insert(format!("{name}.weight"), raw(l.weight.val().transpose()));
        if let Some(b) = &l.bias {
            out.insert(format!("{name}.bias"), raw(b.val()));
        }
    };
    let put_ln = |out: &mut TensorMap, name: String, ln: &burn::nn::LayerNorm<B>| {
        out.insert(format!("{name}.weight"), raw(ln.gamma.val()));
        if let Some(b) = &ln.beta {
            out.insert(format!("{name}.bias"), raw(b.val()));
        }
    };
    let e = &model.embeddings;
    out.insert(
        format!("{prefix}embeddings.word_embeddings.weight"),
        raw(e.word.weight.val()),
    );
    out.insert(
        format!("{prefix}embeddings.position_embeddings.weight"),
        raw(e.position.weight.val()),
    );
    out.insert(
        format!("{prefix}embeddings.token_type_embeddings.weight"),
        raw(e.token_type.weight.val()),
    );
    put_ln(
        &mut out,
        format!("{prefix}embeddings.LayerNorm"),
        &e.layer_norm,
    );
    for (i, layer) in model.layers.iter().enumerate() {
        let p = format!("{prefix}{}", layer_prefix(i));
        let a = &layer.attention;
        put_linear(&mut out, format!("{p}.attention.self.query"), &a.query);
        put_linear(&mut out, format!("{p}.attention.self.key"), &a.key);
        put_linear(&mut out, format!("{p}.attention.self.value"), &a.value);
        put_linear(&mut out, format!("{p}.attention.output.dense"), &a.output);
        put_ln(
            &mut out,
            format!("{p}.attention.output.LayerNorm"),
            &a.layer_norm,
        );
        put_linear(
            &mut out,
            format!("{p}.intermediate.dense"),
            &layer.intermediate,
        );
        put_linear(&mut out, format!("{p}.output.dense"), &layer.output);
        put_ln(&mut out, format!("{p}.output.LayerNorm"), &layer.layer_norm);
    }
    let names = head_names(config.model_type);
    put_linear(&mut out, names.dense.to_string(), &model.head.dense);
    put_ln(
        &mut out,
        names.layer_norm.to_string(),
        &model.head.layer_norm,
    );
    out.insert(names.bias.to_string(), raw(model.head.bias.val()));
    out
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
    write_atomically(&dir.join(CONFIG_FILE), config.as_bytes())
}
