//! Decoding: greedy equals the argmax of the uncached forward, sampling is reproducible,
//! stopping and counting are right, and bad prompts or options are errors.

mod common;

use common::*;
use unmask_gpt2::{GenerateOptions, Gpt2Error, Gpt2LmHead};

fn generate(
    model: &Gpt2LmHead<B>,
    prompt: &[u32],
    opts: &GenerateOptions,
) -> unmask_gpt2::Generation {
    model.generate(prompt, opts, &Default::default()).unwrap()
}

/// The first index of the largest logit.
fn argmax(logits: &[f32]) -> usize {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    logits
        .iter()
        .position(|&l| l == max)
        .expect("a finite logit")
}

/// For each generated token: the argmax of the full forward over everything before it.
fn assert_greedy_is_argmax(model: &Gpt2LmHead<B>, prompt: &[u32], tokens: &[u32]) {
    let all: Vec<u32> = prompt.iter().chain(tokens).copied().collect();
    let vocab = model.config().vocab_size;
    // The last token is never an input.
    let logits = values(model.forward(ids_tensor(&all[..all.len() - 1], 1)));
    for (i, &token) in tokens.iter().enumerate() {
        let row = prompt.len() - 1 + i;
        let want = argmax(&logits[row * vocab..(row + 1) * vocab]) as u32;
        assert_eq!(token, want, "token {i}");
    }
}

#[test]
fn greedy_equals_argmax_of_the_uncached_forward() {
    for (model, prompt) in [(tiny(), vec![3, 17, 250]), (random_model(120), vec![7])] {
        let out = generate(
            &model,
            &prompt,
            &GenerateOptions {
                stop_at_eos: false,
                ..GenerateOptions::greedy(30)
            },
        );
        assert_eq!(out.tokens.len(), 30);
        assert_eq!(
            out.model_calls, 30,
            "one prefill + one call per further token"
        );
        assert_greedy_is_argmax(&model, &prompt, &out.tokens);
    }
}

#[test]
fn temperature_zero_is_deterministic_whatever_the_seed() {
    let model = tiny();
    let runs: Vec<Vec<u32>> = (0..3)
        .map(|seed| {
            let opts = GenerateOptions {
                seed,
                top_k: Some(5),
                ..GenerateOptions::greedy(15)
            };
            generate(&model, &[1, 2, 3], &opts).tokens
        })
        .collect();
    assert_eq!(runs[0], runs[1]);
    assert_eq!(runs[0], runs[2]);
}

#[test]
fn seeds_reproduce_and_differ() {
    let model = tiny();
    let opts = |seed| GenerateOptions {
        max_new_tokens: 40,
        temperature: 1.0,
        top_k: Some(100),
        top_p: Some(0.95),
        seed,
        stop_at_eos: false,
    };
    let a = generate(&model, &[5, 6], &opts(11)).tokens;
    let b = generate(&model, &[5, 6], &opts(11)).tokens;
    let c = generate(&model, &[5, 6], &opts(12)).tokens;
    assert_eq!(a, b, "same seed, same tokens");
    assert_ne!(
        a, c,
        "40 tokens sampled at temperature 1 from different seeds coincided"
    );
}

#[test]
fn top_k_one_is_greedy() {
    let model = tiny();
    let sampled = GenerateOptions {
        max_new_tokens: 20,
        temperature: 1.3,
        top_k: Some(1),
        seed: 99,
        stop_at_eos: false,
        ..GenerateOptions::default()
    };
    let greedy = GenerateOptions {
        stop_at_eos: false,
        ..GenerateOptions::greedy(20)
    };
    assert_eq!(
        generate(&model, &[9, 8, 7], &sampled).tokens,
        generate(&model, &[9, 8, 7], &greedy).tokens
    );
}

#[test]
fn sampled_tokens_stay_inside_top_k() {
    let model = tiny();
    let prompt = [40, 41, 42];
    let opts = GenerateOptions {
        max_new_tokens: 12,
        temperature: 2.0,
        top_k: Some(3),
        seed: 5,
        stop_at_eos: false,
        ..GenerateOptions::default()
    };
    let tokens = generate(&model, &prompt, &opts).tokens;
    let all: Vec<u32> = prompt.iter().chain(&tokens).copied().collect();
    let vocab = model.config().vocab_size;
    let logits = values(model.forward(ids_tensor(&all, 1)));
    for (i, &token) in tokens.iter().enumerate() {
        let row = &logits[(prompt.len() - 1 + i) * vocab..(prompt.len() + i) * vocab];
        let larger = row.iter().filter(|&&v| v > row[token as usize]).count();
        assert!(larger < 3, "token {i} ranks {}", larger + 1);
    }
}

#[test]
fn generation_stops_at_eos_and_includes_it() {
    let model = tiny();
    let eos = model.config().eos_token_id.unwrap();
    // Sample until some seed produces EOS: at temperature 5 it is nearly uniform over 300 ids.
    let opts = |seed| GenerateOptions {
        max_new_tokens: 60,
        temperature: 5.0,
        seed,
        ..GenerateOptions::default()
    };
    let out = (0..50)
        .map(|seed| generate(&model, &[eos], &opts(seed)))
        .find(|g| g.stopped_at_eos)
        .expect("some seed samples EOS within 60 tokens");
    assert_eq!(*out.tokens.last().unwrap(), eos);
    assert!(!out.tokens[..out.tokens.len() - 1].contains(&eos));
    assert_eq!(out.model_calls, out.tokens.len());
}

#[test]
fn the_whole_context_can_be_used() {
    let model = tiny();
    let max = model.config().n_positions;
    let prompt = pseudo_ids(max - 4, model.config().vocab_size - 1, 8);
    let opts = GenerateOptions {
        stop_at_eos: false,
        ..GenerateOptions::greedy(5)
    };
    let out = generate(&model, &prompt, &opts);
    assert_eq!(out.tokens.len(), 5);
    assert_greedy_is_argmax(&model, &prompt, &out.tokens);
    assert!(
        generate(&model, &prompt, &GenerateOptions::greedy(0))
            .tokens
            .is_empty()
    );
}

#[test]
fn bad_prompts_and_options_are_errors() {
    let model = tiny();
    let device = Default::default();
    let max = model.config().n_positions;
    let vocab = model.config().vocab_size;
    let run =
        |prompt: &[u32], opts: GenerateOptions| model.generate(prompt, &opts, &device).unwrap_err();

    let err = run(&[], GenerateOptions::greedy(3));
    assert!(matches!(err, Gpt2Error::Input(_)), "{err}");
    let long = vec![1; max + 1];
    let err = run(&long, GenerateOptions::greedy(1));
    assert!(
        matches!(err, Gpt2Error::SequenceTooLong { len, .. } if len == max + 1),
        "{err}"
    );
    let err = run(&[1; 60], GenerateOptions::greedy(6));
    assert!(err.to_string().contains("at most 5 new tokens"), "{err}");
    let err = run(&[1, vocab as u32], GenerateOptions::greedy(1));
    assert!(
        matches!(err, Gpt2Error::TokenOutOfRange { id, .. } if id == vocab as u32),
        "{err}"
    );
    for opts in [
        GenerateOptions {
            temperature: -1.0,
            ..Default::default()
        },
        GenerateOptions {
            temperature: f32::NAN,
            ..Default::default()
        },
        GenerateOptions {
            top_k: Some(0),
            ..Default::default()
        },
        GenerateOptions {
            top_p: Some(0.0),
            ..Default::default()
        },
        GenerateOptions {
            top_p: Some(1.5),
            ..Default::default()
        },
    ] {
        let err = run(&[1], opts.clone());
        assert!(matches!(err, Gpt2Error::Options(_)), "{opts:?}: {err}");
    }
}
