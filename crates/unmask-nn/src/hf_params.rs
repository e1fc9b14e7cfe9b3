//! One walk over a model's parameters by Hugging Face name serves random initialisation,
//! loading and saving: a model writes `walk(&mut self, &mut impl ParamVisitor)` once, naming
//! each parameter as transformers does, and the three visitors here do the rest.
//!
//! A model is first built as a skeleton of lazy, never-materialised parameters of the right
//! shapes ([`placeholder`]); [`RandomInit`] or [`Loader`] then replaces every one of them,
//! and [`Saver`] reads them back out under the same names.

use std::collections::BTreeSet;

use burn::module::{Initializer, Param};
use burn::nn::{Embedding, LayerNorm, Linear};
use burn::tensor::{Distribution, Tensor, TensorData, backend::Backend};

use crate::error::ModelError;
use crate::tensor_file::{RawTensor, TensorMap};

/// What loading a masked LM's checkpoint did beyond the obvious.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadReport {
    /// The weights file that was read.
    pub weights: std::path::PathBuf,
    /// The checkpoint had no MLM head (a bare encoder, such as a sentence-transformers
    /// `BertModel` or a `ModernBertModel`): the head was freshly initialised.
    pub fresh_head: bool,
    /// Tensors in the file the model does not use (pooler, heads of other tasks, buffers).
    pub ignored: Vec<String>,
}

/// How a parameter starts when no checkpoint supplies it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    /// N(0, std).
    Normal {
        std: f64,
    },
    /// N(0, std) drawn in the shape transformers stores (`[out, in]` for a [`Layout::Dense`]
    /// weight) and transposed into burn's: the order in which unmask's RoBERTa has always
    /// drawn its weights, so that a seeded model stays the model it was.
    NormalHfLayout {
        std: f64,
    },
    /// N(0, std) truncated at ±2 std (ModernBERT's `init_weight`, cutoff factor 2).
    TruncatedNormal {
        std: f64,
    },
    Zeros,
    Ones,
}

/// How transformers stores a parameter relative to burn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The same shape and order (embeddings, biases, norms, GPT-2's `Conv1D`).
    Plain,
    /// `nn.Linear`'s `[out, in]`, which burn's `Linear` keeps as `[in, out]`.
    Dense,
}

/// Visits one parameter: replaces it (init, load) or reads it (save).
pub trait ParamVisitor<B: Backend> {
    fn visit<const D: usize>(
        &mut self,
        name: &str,
        param: &mut Param<Tensor<B, D>>,
        layout: Layout,
        init: Init,
    ) -> Result<(), ModelError>;
}

/// A parameter of `shape` that is never computed unless something reads it before a
/// visitor replaces it: the skeleton a walk fills.
pub fn placeholder<B: Backend, const D: usize>(
    shape: [usize; D],
    device: &B::Device,
) -> Param<Tensor<B, D>> {
    Initializer::Zeros.init(shape, device)
}

/// `{name}.weight` (Dense, `init`) and, if the layer has one, `{name}.bias` (zeros).
pub fn visit_linear<B: Backend, V: ParamVisitor<B>>(
    v: &mut V,
    name: &str,
    linear: &mut Linear<B>,
    init: Init,
) -> Result<(), ModelError> {
    v.visit(
        &format!("{name}.weight"),
        &mut linear.weight,
        Layout::Dense,
        init,
    )?;
    if let Some(bias) = &mut linear.bias {
        v.visit(&format!("{name}.bias"), bias, Layout::Plain, Init::Zeros)?;
    }
    Ok(())
}

/// `{name}.weight` (ones) and, if the norm has one, `{name}.bias` (zeros).
pub fn visit_layer_norm<B: Backend, V: ParamVisitor<B>>(
    v: &mut V,
    name: &str,
    norm: &mut LayerNorm<B>,
) -> Result<(), ModelError> {
    v.visit(
        &format!("{name}.weight"),
        &mut norm.gamma,
        Layout::Plain,
        Init::Ones,
    )?;
    if let Some(beta) = &mut norm.beta {
        v.visit(&format!("{name}.bias"), beta, Layout::Plain, Init::Zeros)?;
    }
    Ok(())
}

/// `{name}.weight` of an embedding table.
pub fn visit_embedding<B: Backend, V: ParamVisitor<B>>(
    v: &mut V,
    name: &str,
    embedding: &mut Embedding<B>,
    init: Init,
) -> Result<(), ModelError> {
    v.visit(
        &format!("{name}.weight"),
        &mut embedding.weight,
        Layout::Plain,
        init,
    )
}

fn burn_shape<const D: usize, B: Backend>(param: &Param<Tensor<B, D>>) -> [usize; D] {
    param.lazy_shape().dims::<D>()
}

/// The shape transformers stores for a parameter of burn shape `shape`.
fn hf_shape(shape: &[usize], layout: Layout) -> Vec<usize> {
    match layout {
        Layout::Plain => shape.to_vec(),
        Layout::Dense => shape.iter().rev().copied().collect(),
    }
}

/// Random initialisation, drawn from the backend's generator in walk order (seed the
/// backend first for a reproducible model).
pub struct RandomInit<'a, B: Backend> {
    pub device: &'a B::Device,
}

impl<B: Backend> RandomInit<'_, B> {
    fn draw<const D: usize>(&self, shape: [usize; D], layout: Layout, init: Init) -> Tensor<B, D> {
        match init {
            Init::Zeros => Tensor::zeros(shape, self.device),
            Init::Ones => Tensor::ones(shape, self.device),
            Init::Normal { std } => {
                Tensor::random(shape, Distribution::Normal(0.0, std), self.device)
            }
            Init::NormalHfLayout { std } => match layout {
                Layout::Plain => self.draw(shape, layout, Init::Normal { std }),
                Layout::Dense => {
                    let mut stored = shape;
                    stored.reverse();
                    let drawn: Tensor<B, D> =
                        Tensor::random(stored, Distribution::Normal(0.0, std), self.device);
                    // Materialised in burn's order, as the loader does.
                    Tensor::from_data(drawn.transpose().into_data(), self.device)
                }
            },
            Init::TruncatedNormal { std } => {
                // Redraw what falls outside ±2 std (5% per round); what is left after a few
                // rounds (5e-11 of the values) is clamped.
                let normal = || Tensor::random(shape, Distribution::Normal(0.0, std), self.device);
                let mut x: Tensor<B, D> = normal();
                for _ in 0..8 {
                    let outside = x.clone().abs().greater_elem(2.0 * std);
                    x = x.mask_where(outside, normal());
                }
                x.clamp(-2.0 * std, 2.0 * std)
            }
        }
    }
}

impl<B: Backend> ParamVisitor<B> for RandomInit<'_, B> {
    fn visit<const D: usize>(
        &mut self,
        _: &str,
        param: &mut Param<Tensor<B, D>>,
        layout: Layout,
        init: Init,
    ) -> Result<(), ModelError> {
        *param = Param::from_tensor(self.draw(burn_shape(param), layout, init));
        Ok(())
    }
}

/// The tensors of a checkpoint, served by name; remembers which were used.
pub struct CheckpointTensors {
    tensors: TensorMap,
    used: BTreeSet<String>,
    /// A prefix that a checkpoint of the bare encoder (no task head) leaves off its names,
    /// such as `model.` for ModernBERT.
    optional_prefix: &'static str,
}

impl CheckpointTensors {
    pub fn new(tensors: TensorMap, optional_prefix: &'static str) -> Self {
        Self {
            tensors,
            used: BTreeSet::new(),
            optional_prefix,
        }
    }

    /// The name under which `name` is stored, if it is.
    fn stored_name(&self, name: &str) -> Option<String> {
        if self.tensors.contains_key(name) {
            return Some(name.to_string());
        }
        let bare = name.strip_prefix(self.optional_prefix)?;
        (!self.optional_prefix.is_empty() && self.tensors.contains_key(bare))
            .then(|| bare.to_string())
    }

    pub fn contains(&self, name: &str) -> bool {
        self.stored_name(name).is_some()
    }

    pub fn get(&self, name: &str) -> Option<&RawTensor> {
        self.tensors.get(&self.stored_name(name)?)
    }

    /// The tensor `name` with transformers' shape `shape`, marked as used.
    pub fn take(&mut self, name: &str, shape: &[usize]) -> Result<&RawTensor, ModelError> {
        let stored = self
            .stored_name(name)
            .ok_or_else(|| ModelError::MissingTensor {
                name: name.to_string(),
                shape: shape.to_vec(),
            })?;
        let tensor = &self.tensors[&stored];
        if tensor.shape != shape {
            return Err(ModelError::ShapeMismatch {
                name: stored,
                expected: shape.to_vec(),
                found: tensor.shape.clone(),
            });
        }
        self.used.insert(stored.clone());
        Ok(&self.tensors[&stored])
    }

    /// A stored copy of a tied parameter (a decoder weight or bias that transformers saves
    /// beside the tensor it shares) must equal it: unmask keeps one parameter. The copy is
    /// then marked as used.
    pub fn check_tied(&mut self, stored: &str, tied_to: &str) -> Result<(), ModelError> {
        if let Some(copy) = self.verify_tied(stored, tied_to)? {
            self.used.insert(copy);
        }
        Ok(())
    }

    /// As [`Self::check_tied`], but leaves the copy unused (for `finish` to report among
    /// the ignored tensors); the stored name of the copy if there is one to compare.
    pub fn verify_tied(&self, stored: &str, tied_to: &str) -> Result<Option<String>, ModelError> {
        let (Some(copy), Some(original)) = (self.stored_name(stored), self.get(tied_to)) else {
            return Ok(None);
        };
        let copy_tensor = &self.tensors[&copy];
        let same = copy_tensor.shape == original.shape
            && copy_tensor
                .data
                .iter()
                .zip(&original.data)
                .all(|(a, b)| a == b);
        if !same {
            return Err(ModelError::Invalid(format!(
                "checkpoint tensor `{copy}` differs from `{tied_to}`, which it is tied to; \
                 unmask supports only tied decoders"
            )));
        }
        Ok(Some(copy))
    }

    /// The names of unused tensors that `known_extra` accepts (buffers, poolers, heads of
    /// other tasks); an error naming every other unused tensor.
    pub fn finish(self, known_extra: impl Fn(&str) -> bool) -> Result<Vec<String>, ModelError> {
        let (ignored, unexpected): (Vec<String>, Vec<String>) = self
            .tensors
            .into_keys()
            .filter(|name| !self.used.contains(name))
            .partition(|name| known_extra(name));
        if unexpected.is_empty() {
            Ok(ignored)
        } else {
            Err(ModelError::UnexpectedTensors { names: unexpected })
        }
    }
}

/// Loads every visited parameter from a checkpoint, checking its shape.
pub struct Loader<'a, B: Backend> {
    pub tensors: &'a mut CheckpointTensors,
    pub device: &'a B::Device,
}

impl<B: Backend> ParamVisitor<B> for Loader<'_, B> {
    fn visit<const D: usize>(
        &mut self,
        name: &str,
        param: &mut Param<Tensor<B, D>>,
        layout: Layout,
        _: Init,
    ) -> Result<(), ModelError> {
        let shape = burn_shape(param);
        let stored = self.tensors.take(name, &hf_shape(&shape, layout))?;
        let data = TensorData::new(stored.data.clone(), stored.shape.clone());
        let tensor = match layout {
            Layout::Plain => Tensor::<B, D>::from_data(data, self.device),
            // Materialised in burn's order: a strided weight view slows every matmul down.
            Layout::Dense => {
                let transposed = Tensor::<B, D>::from_data(data, self.device).transpose();
                Tensor::from_data(transposed.into_data(), self.device)
            }
        };
        *param = Param::from_tensor(tensor);
        Ok(())
    }
}

/// Reads every visited parameter into a tensor map under its Hugging Face name.
#[derive(Default)]
pub struct Saver {
    pub tensors: TensorMap,
}

impl<B: Backend> ParamVisitor<B> for Saver {
    fn visit<const D: usize>(
        &mut self,
        name: &str,
        param: &mut Param<Tensor<B, D>>,
        layout: Layout,
        _: Init,
    ) -> Result<(), ModelError> {
        let value = match layout {
            Layout::Plain => param.val(),
            Layout::Dense => param.val().transpose(),
        };
        let data = value.into_data().convert::<f32>();
        let tensor = RawTensor {
            shape: data.shape.to_vec(),
            data: data
                .into_vec::<f32>()
                .map_err(|e| ModelError::Invalid(format!("reading `{name}`: {e:?}")))?,
        };
        self.tensors.insert(name.to_string(), tensor);
        Ok(())
    }
}
