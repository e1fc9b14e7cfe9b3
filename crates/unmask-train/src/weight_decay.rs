//! Decoupled (AdamW) weight decay with transformers' parameter groups: biases and
//! LayerNorm parameters are not decayed (`run_mlm.py`, `Trainer`), everything else
//! (Linear and embedding weights) is.
//!
//! burn's AdamW decays every parameter it steps, so the trainer runs AdamW with weight
//! decay 0 and applies the decay here first. burn computes
//! `tensor * (1 - lr * wd) - lr * update`; decaying first and then taking AdamW's step
//! with `wd = 0` is the same computation, operation for operation.

use burn::module::{AutodiffModule, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::adaptor::OptimizerAdaptor;
use burn::optim::{AdamW, AdamWConfig, GradientsParams, Optimizer};
use burn::tensor::{Tensor, backend::AutodiffBackend};

use crate::config::OptimSection;

/// The trainer's optimizer: burn's AdamW with the config's betas and epsilon and no weight
/// decay of its own; [`adamw_step`] applies the config's decay by parameter group.
pub fn adamw<B: AutodiffBackend, M: AutodiffModule<B>>(
    o: &OptimSection,
) -> OptimizerAdaptor<AdamW, M, B> {
    AdamWConfig::new()
        .with_beta_1(o.beta1 as f32)
        .with_beta_2(o.beta2 as f32)
        .with_epsilon(o.adam_eps as f32)
        .with_weight_decay(0.0)
        .init::<B, M>()
}

/// One AdamW step at learning rate `lr` with decoupled weight decay `weight_decay` on every
/// parameter except biases and LayerNorm parameters.
pub fn adamw_step<B: AutodiffBackend, M: AutodiffModule<B>, O: Optimizer<M, B>>(
    optim: &mut O,
    model: M,
    grads: GradientsParams,
    lr: f64,
    weight_decay: f64,
) -> M {
    let model = decay_weights(model, &grads, lr, weight_decay);
    optim.step(lr, model, grads)
}

/// Whether a parameter is exempt from weight decay: the field is called `bias` (or
/// `…_bias`, as ModernBERT's `decoder_bias`), or it belongs to a LayerNorm (`gamma`, `beta`). `field` is the parameter's field name and
/// `container` the type that holds it, as burn's module derive reports them
/// (`Struct:LayerNorm`, `Struct:Linear`, ...).
pub fn exempt_from_decay(field: &str, container: &str) -> bool {
    field == "bias" || field.ends_with("_bias") || container == "Struct:LayerNorm"
}

/// Tracks the field and the holding type of the parameter being visited.
#[derive(Default)]
struct Path {
    fields: Vec<(String, String)>,
}

impl Path {
    fn enter(&mut self, name: &str, container: &str) {
        self.fields.push((name.to_string(), container.to_string()));
    }
    fn exit(&mut self) {
        self.fields.pop();
    }
    fn exempt(&self) -> bool {
        self.fields
            .last()
            .is_some_and(|(field, container)| exempt_from_decay(field, container))
    }
}

/// Multiplies every decayed parameter that has a gradient in `grads` by
/// `1 - lr * weight_decay` (burn's AdamW steps only parameters with a gradient, so only
/// those decay). Nothing happens when `lr * weight_decay` is 0.
pub fn decay_weights<B: AutodiffBackend, M: AutodiffModule<B>>(
    model: M,
    grads: &GradientsParams,
    lr: f64,
    weight_decay: f64,
) -> M {
    let rate = lr * weight_decay;
    if rate == 0.0 {
        return model;
    }
    model.map(&mut Decay::<B> {
        grads,
        factor: 1.0 - rate,
        path: Path::default(),
        backend: std::marker::PhantomData,
    })
}

struct Decay<'a, B: AutodiffBackend> {
    grads: &'a GradientsParams,
    factor: f64,
    path: Path,
    backend: std::marker::PhantomData<B>,
}

impl<B: AutodiffBackend> ModuleMapper<B> for Decay<'_, B> {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.path.enter(name, container_type);
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.exit();
    }

    fn map_float<const D: usize>(&mut self, param: Param<Tensor<B, D>>) -> Param<Tensor<B, D>> {
        let (id, tensor, mapper) = param.consume();
        let decays = !self.path.exempt() && self.grads.get::<B::InnerBackend, D>(id).is_some();
        let tensor = if decays {
            let require_grad = tensor.is_require_grad();
            let mut decayed = Tensor::from_inner(tensor.inner().mul_scalar(self.factor));
            if require_grad {
                decayed = decayed.require_grad();
            }
            decayed
        } else {
            tensor
        };
        Param::from_mapped_value(id, tensor, mapper)
    }
}

/// The ids of the parameters exempt from weight decay (for tests and reports).
pub fn exempt_params<B: AutodiffBackend, M: AutodiffModule<B>>(model: &M) -> Vec<ParamId> {
    let mut visitor = Exempt {
        path: Path::default(),
        ids: Vec::new(),
    };
    model.visit(&mut visitor);
    visitor.ids
}

struct Exempt {
    path: Path,
    ids: Vec<ParamId>,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for Exempt {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.path.enter(name, container_type);
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.exit();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        if self.path.exempt() {
            self.ids.push(param.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::{Autodiff, Flex};
    use burn::module::Module;
    use burn::tensor::Tensor;
    use unmask_roberta::{MaskedLm, MaskedLmConfig};

    use super::*;

    type Ad = Autodiff<Flex>;

    /// A zero gradient for every parameter: AdamW's update is then 0 and only decay acts.
    struct ZeroGrads<'a>(&'a mut GradientsParams);

    impl ModuleVisitor<Ad> for ZeroGrads<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<Ad, D>>) {
            self.0.register(param.id, param.val().inner().zeros_like());
        }
    }

    /// Adds 0.5 to every parameter, so that zero-initialised biases show a decay too.
    struct Shift;

    impl ModuleMapper<Flex> for Shift {
        fn map_float<const D: usize>(
            &mut self,
            param: Param<Tensor<Flex, D>>,
        ) -> Param<Tensor<Flex, D>> {
            let (id, tensor, mapper) = param.consume();
            Param::from_mapped_value(id, tensor.add_scalar(0.5), mapper)
        }
    }

    fn values<const D: usize>(tensor: Tensor<Flex, D>) -> Vec<f32> {
        tensor.into_data().to_vec().unwrap()
    }

    #[test]
    fn biases_and_layer_norms_are_not_decayed_linear_and_embedding_weights_are() {
        let config = MaskedLmConfig::small_roberta(30, 8, 1, 2, 16, 8);
        let inner = config.init::<Flex>(&Default::default()).map(&mut Shift);
        let model = MaskedLm::<Ad>::from_inner(inner);
        let before = model.valid();
        let mut grads = GradientsParams::new();
        model.visit(&mut ZeroGrads(&mut grads));
        let optim_section = OptimSection::default();
        let mut optim = adamw::<Ad, MaskedLm<Ad>>(&optim_section);
        // lr 0.1, weight decay 0.5: decayed weights shrink by 1 - 0.05.
        let after = adamw_step(&mut optim, model, grads, 0.1, 0.5).valid();

        let unchanged = |name: &str, a: Vec<f32>, b: Vec<f32>| {
            assert_eq!(a, b, "{name} changed");
        };
        let shrunk = |name: &str, a: Vec<f32>, b: Vec<f32>| {
            assert!(
                a.iter().any(|&v| v != 0.0),
                "{name} is all zero; pick another case"
            );
            for (x, y) in a.iter().zip(&b) {
                assert!(
                    (y - 0.95 * x).abs() <= 1e-6 * x.abs().max(1.0),
                    "{name}: {x} -> {y}"
                );
            }
        };
        let (b, a) = (&before, &after);
        unchanged(
            "head LayerNorm gamma",
            values(b.head.layer_norm.gamma.val()),
            values(a.head.layer_norm.gamma.val()),
        );
        unchanged(
            "layer LayerNorm gamma",
            values(b.layers[0].layer_norm.gamma.val()),
            values(a.layers[0].layer_norm.gamma.val()),
        );
        unchanged(
            "embeddings LayerNorm gamma",
            values(b.embeddings.layer_norm.gamma.val()),
            values(a.embeddings.layer_norm.gamma.val()),
        );
        let beta = |m: &MaskedLm<Flex>| values(m.layers[0].layer_norm.beta.as_ref().unwrap().val());
        unchanged("LayerNorm beta", beta(b), beta(a));
        let bias =
            |m: &MaskedLm<Flex>| values(m.layers[0].intermediate.bias.as_ref().unwrap().val());
        unchanged("Linear bias", bias(b), bias(a));
        unchanged(
            "MLM head bias",
            values(b.head.bias.val()),
            values(a.head.bias.val()),
        );
        shrunk(
            "Linear weight",
            values(b.layers[0].intermediate.weight.val()),
            values(a.layers[0].intermediate.weight.val()),
        );
        shrunk(
            "head dense weight",
            values(b.head.dense.weight.val()),
            values(a.head.dense.weight.val()),
        );
        shrunk(
            "word embeddings",
            values(b.embeddings.word.weight.val()),
            values(a.embeddings.word.weight.val()),
        );
    }

    #[test]
    fn exempt_params_are_the_biases_and_layer_norms() {
        let config = MaskedLmConfig::small_roberta(30, 8, 2, 2, 16, 8);
        let model: MaskedLm<Ad> = config.init(&Default::default());
        // Per layer: 6 Linear biases + 2 LayerNorms x (gamma, beta); embeddings: one
        // LayerNorm; head: dense bias, LayerNorm gamma + beta, output bias.
        assert_eq!(exempt_params(&model).len(), 2 * (6 + 4) + 2 + 4);
    }
}
