//! The MLM head's activation: transformers' `RobertaLMHead` always applies exact GELU,
//! whatever `hidden_act` says; BERT's `BertPredictionHeadTransform` follows `hidden_act`.

use burn::backend::Flex;
use burn::tensor::activation::{gelu, relu};
use burn::tensor::{Distribution, Tensor};
use unmask_nn::ActivationKind;
use unmask_roberta::{MaskedLmConfig, ModelKind};

type B = Flex;

/// `max |head_logits(rows) - (layer_norm(act(dense(rows))) E^T + bias)|`.
fn distance_to(config: &MaskedLmConfig, act: fn(Tensor<B, 2>) -> Tensor<B, 2>) -> f32 {
    let device = Default::default();
    let model = config.init::<B>(&device);
    // Large inputs, so GELU and ReLU differ clearly on the negative half.
    let rows = Tensor::<B, 2>::random(
        [6, config.hidden_size],
        Distribution::Normal(0.0, 30.0),
        &device,
    );
    let head = &model.head;
    let expected = head
        .layer_norm
        .forward(act(head.dense.forward(rows.clone())))
        .matmul(model.embeddings.word.weight.val().transpose())
        + head.bias.val().unsqueeze::<2>();
    let got = model.head_logits(rows);
    (got - expected).abs().max().into_scalar()
}

fn relu_config(kind: ModelKind) -> MaskedLmConfig {
    let mut config = MaskedLmConfig::small_roberta(20, 16, 1, 2, 32, 8);
    config.model_type = kind;
    config.hidden_act = ActivationKind::Relu;
    config.hidden_dropout_prob = 0.0;
    config.attention_probs_dropout_prob = 0.0;
    config
}

#[test]
fn roberta_head_uses_exact_gelu_whatever_hidden_act_says() {
    let config = relu_config(ModelKind::Roberta);
    let to_gelu = distance_to(&config, gelu);
    let to_relu = distance_to(&config, relu);
    assert!(to_gelu < 1e-4, "RoBERTa head vs exact GELU: {to_gelu}");
    assert!(
        to_relu > 1e-3,
        "RoBERTa head matches ReLU ({to_relu}); pick another case"
    );
}

#[test]
fn bert_head_follows_hidden_act() {
    let mut config = relu_config(ModelKind::Bert);
    config.max_position_embeddings = 8;
    config.pad_token_id = 0;
    let to_relu = distance_to(&config, relu);
    let to_gelu = distance_to(&config, gelu);
    assert!(to_relu < 1e-4, "BERT head vs ReLU: {to_relu}");
    assert!(
        to_gelu > 1e-3,
        "BERT head matches GELU ({to_gelu}); pick another case"
    );
}
