use unmask_eval::{
    CausalScorer, EvalError, GenPplReport, generative_perplexity, generative_perplexity_retokenized,
};

/// A unigram "language model": p(id) from a fixed table, whatever the prefix.
struct UnigramScorer {
    probabilities: Vec<f64>,
}

impl CausalScorer for UnigramScorer {
    fn token_nll(&mut self, ids: &[u32]) -> anyhow::Result<Vec<f32>> {
        Ok(ids[1..]
            .iter()
            .map(|&id| -self.probabilities[id as usize].ln() as f32)
            .collect())
    }
}

fn scorer() -> UnigramScorer {
    UnigramScorer {
        probabilities: vec![0.5, 0.25, 0.25],
    }
}

#[test]
fn perplexity_of_a_known_distribution() {
    // Sample 1 scores ids 1, 2 (p = 1/4 each): NLL 2 ln 4, perplexity 4.
    // Sample 2 scores ids 0, 0, 0 (p = 1/2): NLL 3 ln 2, perplexity 2.
    // Together: exp((2 ln 4 + 3 ln 2) / 5) = exp(7 ln 2 / 5) = 2^(7/5).
    let samples = vec![vec![0, 1, 2], vec![1, 0, 0, 0], vec![2]];
    let report = generative_perplexity(&mut scorer(), &samples).unwrap();
    assert_eq!(report.scored_tokens, 5);
    assert!(
        (report.perplexity - 2f64.powf(1.4)).abs() < 1e-6,
        "{}",
        report.perplexity
    );
    assert!((report.nll_per_token - 1.4 * 2f64.ln()).abs() < 1e-6);
    assert!((report.per_sample[0].perplexity.unwrap() - 4.0).abs() < 1e-5);
    assert!((report.per_sample[1].perplexity.unwrap() - 2.0).abs() < 1e-5);
    assert_eq!(report.per_sample[2].scored_tokens, 0);
    assert_eq!(report.per_sample[2].perplexity, None);
    // The entropy is reported beside it.
    assert_eq!(report.sample_stats.samples, 3);
    let json = serde_json::to_string(&report).unwrap();
    let back: GenPplReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back.scored_tokens, 5);
}

#[test]
fn retokenizer_maps_generator_ids_to_evaluator_ids() {
    // Generator ids 10, 11, 12 are evaluator ids 0, 1, 2; entropy is of the generator ids.
    let samples = vec![vec![10, 11, 12], vec![10, 10]];
    let report = generative_perplexity_retokenized(&mut scorer(), &samples, |ids| {
        Ok(ids.iter().map(|&id| id - 10).collect())
    })
    .unwrap();
    // Scores 1, 2, 0: NLL ln 4 + ln 4 + ln 2 = 5 ln 2 over 3 tokens.
    assert!((report.nll_per_token - 5.0 * 2f64.ln() / 3.0).abs() < 1e-6);
    assert_eq!(report.sample_stats.tokens, 5);

    let err = generative_perplexity_retokenized(&mut scorer(), &samples, |_| {
        anyhow::bail!("unknown token")
    })
    .unwrap_err();
    assert!(
        matches!(err, EvalError::Retokenize { sample: 0, .. }),
        "{err}"
    );
}

#[test]
fn malformed_scorer_output_and_empty_input_are_errors() {
    struct WrongLength;
    impl CausalScorer for WrongLength {
        fn token_nll(&mut self, ids: &[u32]) -> anyhow::Result<Vec<f32>> {
            Ok(vec![1.0; ids.len()])
        }
    }
    let err = generative_perplexity(&mut WrongLength, &[vec![0, 1]]).unwrap_err();
    assert!(
        matches!(
            err,
            EvalError::WrongNllCount {
                expected: 1,
                got: 2,
                ..
            }
        ),
        "{err}"
    );

    struct Negative;
    impl CausalScorer for Negative {
        fn token_nll(&mut self, _: &[u32]) -> anyhow::Result<Vec<f32>> {
            Ok(vec![-1.0])
        }
    }
    let err = generative_perplexity(&mut Negative, &[vec![0, 1]]).unwrap_err();
    assert!(matches!(err, EvalError::BadNll { .. }), "{err}");

    let err = generative_perplexity(&mut scorer(), &[vec![1], vec![]]).unwrap_err();
    assert!(matches!(err, EvalError::NothingScored), "{err}");
}
