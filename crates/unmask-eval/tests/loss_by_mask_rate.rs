mod common;

use common::{KnowsTruth, MASK, Uniform, held_out};
use unmask_eval::{EvalError, MaskingOptions, loss_by_mask_rate};

#[test]
fn perfect_model_has_zero_loss_and_full_accuracy() {
    let vocab = 16;
    let sequences = held_out(8, 50, vocab);
    let mut model = KnowsTruth::new(vocab, 1.0);
    let rates = [0.1, 0.5, 1.0];
    let curve =
        loss_by_mask_rate(&mut model, &sequences, &rates, &MaskingOptions::new(MASK)).unwrap();
    assert_eq!(curve.len(), 3);
    for point in &curve {
        assert_eq!(point.mean_loss, Some(0.0), "{point:?}");
        assert_eq!(point.accuracy, Some(1.0));
    }
    assert_eq!(curve[2].masked_tokens, 400);
}

#[test]
fn uniform_model_loses_ln_vocab_and_guesses_the_lowest_id() {
    let vocab = 10;
    let sequences = held_out(8, 50, vocab);
    let curve = loss_by_mask_rate(
        &mut Uniform { vocab, calls: 0 },
        &sequences,
        &[0.3],
        &MaskingOptions::new(MASK),
    )
    .unwrap();
    let loss = curve[0].mean_loss.unwrap();
    assert!((loss - 10f64.ln()).abs() < 1e-12);
    // Ties go to id 0, the mask id, never a held-out token.
    assert_eq!(curve[0].accuracy, Some(0.0));
}

#[test]
fn empirical_masked_fraction_matches_the_rate() {
    let vocab = 12;
    let sequences = held_out(40, 250, vocab);
    let rates = [0.05, 0.15, 0.5, 0.9];
    let curve = loss_by_mask_rate(
        &mut KnowsTruth::new(vocab, 0.5),
        &sequences,
        &rates,
        &MaskingOptions::new(MASK),
    )
    .unwrap();
    for point in &curve {
        let n = point.maskable_tokens as f64;
        let sigma = (point.rate * (1.0 - point.rate) / n).sqrt();
        let fraction = point.masked_tokens as f64 / n;
        assert!((fraction - point.rate).abs() < 4.0 * sigma, "{point:?}");
        let loss = point.mean_loss.unwrap();
        assert!((loss - 2f64.ln()).abs() < 1e-6);
    }
}

#[test]
fn rate_zero_reports_nothing_instead_of_nan() {
    let sequences = held_out(2, 10, 6);
    let mut model = Uniform { vocab: 6, calls: 0 };
    let curve =
        loss_by_mask_rate(&mut model, &sequences, &[0.0], &MaskingOptions::new(MASK)).unwrap();
    assert_eq!(curve[0].masked_tokens, 0);
    assert_eq!(curve[0].mean_loss, None);
    assert_eq!(curve[0].accuracy, None);
    assert_eq!(curve[0].nfe, 0);
    assert_eq!(model.calls, 0);
}

#[test]
fn same_seed_same_masks_other_seed_other_masks() {
    let vocab = 12;
    let sequences = held_out(6, 30, vocab);
    let seen = |seed| {
        let mut model = KnowsTruth::new(vocab, 0.5);
        let options = MaskingOptions::new(MASK).with_seed(seed).with_batch_size(4);
        loss_by_mask_rate(&mut model, &sequences, &[0.3, 0.6], &options).unwrap();
        model.seen()
    };
    assert_eq!(seen(1), seen(1));
    assert_ne!(seen(1), seen(2));
}

#[test]
fn invalid_rates_and_bad_models_are_errors() {
    let sequences = held_out(2, 10, 6);
    let options = MaskingOptions::new(MASK);
    let mut model = Uniform { vocab: 6, calls: 0 };
    for rate in [-0.1, 1.5, f64::NAN] {
        let err = loss_by_mask_rate(&mut model, &sequences, &[rate], &options).unwrap_err();
        assert!(matches!(err, EvalError::InvalidOption { .. }), "{err}");
    }

    struct ShortRows;
    impl unmask_sampler::Denoiser for ShortRows {
        fn vocab_size(&self) -> usize {
            6
        }
        fn logits(&mut self, tokens: &[&[u32]], _: &[&[usize]]) -> anyhow::Result<Vec<Vec<f32>>> {
            Ok(vec![vec![0.0; 3]; tokens.len()])
        }
    }
    let err = loss_by_mask_rate(&mut ShortRows, &sequences, &[1.0], &options).unwrap_err();
    assert!(matches!(err, EvalError::WrongLogitCount { .. }), "{err}");

    struct NanModel;
    impl unmask_sampler::Denoiser for NanModel {
        fn vocab_size(&self) -> usize {
            6
        }
        fn logits(
            &mut self,
            _: &[&[u32]],
            positions: &[&[usize]],
        ) -> anyhow::Result<Vec<Vec<f32>>> {
            Ok(positions
                .iter()
                .map(|p| vec![f32::NAN; p.len() * 6])
                .collect())
        }
    }
    let err = loss_by_mask_rate(&mut NanModel, &sequences, &[1.0], &options).unwrap_err();
    assert!(matches!(err, EvalError::BadLogit { .. }), "{err}");

    struct Failing;
    impl unmask_sampler::Denoiser for Failing {
        fn vocab_size(&self) -> usize {
            6
        }
        fn logits(&mut self, _: &[&[u32]], _: &[&[usize]]) -> anyhow::Result<Vec<Vec<f32>>> {
            anyhow::bail!("out of memory")
        }
    }
    let err = loss_by_mask_rate(&mut Failing, &sequences, &[1.0], &options).unwrap_err();
    assert!(err.to_string().contains("out of memory"), "{err}");
}
