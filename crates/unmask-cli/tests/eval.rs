//! `unmask eval` through the real binary on the committed tiny checkpoints and a few State of
//! the Union addresses (`bash datasets/fetch-sotu.sh`): every model family the project loads,
//! the numbers equal to the experiments' for the same settings, the report, and the user
//! errors (each a message naming the problem and a non-zero exit, never a panic).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

fn unmask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args(args)
        .output()
        .expect("the unmask binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn fixture(crate_name: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(crate_name)
        .join("tests/fixtures")
        .join(name)
}

/// The test's directory: 30 addresses (every 20th document is test, the 19th validation).
fn root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("eval-test");
        if root.exists() {
            std::fs::remove_dir_all(&root).unwrap();
        }
        std::fs::create_dir_all(&root).unwrap();
        unmask_test_data::sotu_subset(&root, 30);
        root
    })
}

fn corpus() -> String {
    root().join("corpus").display().to_string()
}

/// A copy of `source`'s files in `root()/name`, with `edit` applied to its config.json.
fn copy_model(source: &Path, name: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let dir = root().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    let config = dir.join("config.json");
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    edit(&mut json);
    std::fs::write(&config, serde_json::to_string_pretty(&json).unwrap()).unwrap();
    dir
}

/// The tiny ModernBERT fixture's weights as a causal LM (its tokenizer included).
fn causal_modernbert() -> PathBuf {
    copy_model(
        &fixture("unmask-modernbert", "tiny-modernbert"),
        "causal-modernbert",
        |c| c["causal"] = Value::Bool(true),
    )
}

fn eval_json(model: &Path, extra: &[&str]) -> Value {
    let corpus = corpus();
    let mut args = vec![
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--corpus",
        &corpus,
        "--json",
        "--quiet",
    ];
    args.extend(extra);
    let out = unmask(&args);
    assert!(out.status.success(), "unmask eval failed: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("--json prints JSON")
}

fn eval_error(model: &Path, extra: &[&str]) -> String {
    let corpus = corpus();
    let mut args = vec![
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--corpus",
        &corpus,
        "--quiet",
    ];
    args.extend(extra);
    let out = unmask(&args);
    let err = stderr(&out);
    assert!(!out.status.success(), "expected a failure, got: {err}");
    assert!(!err.contains("panicked"), "a panic, not an error: {err}");
    err
}

const SMALL: [&str; 4] = ["--blocks", "4", "--block-len", "32"];

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn every_masked_lm_family_gets_a_bound_and_a_loss_curve() {
    for (crate_name, name) in [
        ("unmask-roberta", "tiny-roberta"),
        ("unmask-roberta", "tiny-bert"),
        ("unmask-modernbert", "tiny-modernbert"),
    ] {
        let json = eval_json(&fixture(crate_name, name), &SMALL);
        assert_eq!(json["kind"], "masked LM", "{name}");
        assert_eq!(json["split"], "test");
        let scores = &json["likelihood"]["masked"];
        let nll = number(&scores["bound"]["nll_per_token"]);
        // An untrained tiny model is near uniform over its vocabulary: ln V, not 0, not NaN.
        let vocab = if name == "tiny-bert" { 300.0f64 } else { 400.0 };
        assert!((nll - vocab.ln()).abs() < 1.5, "{name}: bound {nll}");
        let words = number(&scores["words"]);
        let tokens = number(&scores["bound"]["tokens"]);
        let per_word = number(&scores["nll_per_word"]);
        assert!((per_word - nll * tokens / words).abs() < 1e-9, "{name}");
        let rates = scores["rate_losses"].as_array().unwrap();
        assert_eq!(rates.len(), 7, "the default mask rates");
        assert!(rates.iter().all(|r| r["std_error"].as_f64().is_some()));
    }
}

#[test]
fn minilm_is_measured() {
    let json = eval_json(
        &unmask_test_data::minilm_dir(),
        &[
            "--blocks",
            "2",
            "--block-len",
            "64",
            "--mask-rates",
            "0.15,1",
        ],
    );
    let scores = &json["likelihood"]["masked"];
    let nll = number(&scores["bound"]["nll_per_token"]);
    assert!(nll.is_finite() && nll > 0.0, "{nll}");
    assert_eq!(scores["rate_losses"].as_array().unwrap().len(), 2);
}

/// A masked LM and a causal LM of one tokenizer, on one corpus: the same blocks, tokens and
/// words, so the two lines compare.
#[test]
fn a_causal_lm_gets_nll_on_the_same_blocks_as_a_masked_lm() {
    let masked = eval_json(&fixture("unmask-modernbert", "tiny-modernbert"), &SMALL);
    let evaluator = causal_modernbert();
    let mut args = SMALL.to_vec();
    args.extend(["--generate", "2", "--length", "8", "--evaluator"]);
    args.push(evaluator.to_str().unwrap());
    let causal = eval_json(&evaluator, &args);
    assert_eq!(causal["kind"], "causal LM");
    let generated = &causal["generation"]["generated"];
    assert_eq!(causal["generation"]["sampler"], "left to right, KV cache");
    for tokens in generated["samples"]["tokens"].as_array().unwrap() {
        assert_eq!(tokens.as_array().unwrap().len(), 8);
    }
    let m = &masked["likelihood"]["masked"];
    let c = &causal["likelihood"]["causal"];
    assert_eq!(c["tokens"], m["bound"]["tokens"]);
    assert_eq!(c["words"], m["words"]);
    let nll = number(&c["nll_per_token"]);
    assert!((nll - 400f64.ln()).abs() < 1.5, "{nll}");
    let per_word = number(&c["nll_per_word"]);
    assert!((per_word - nll * number(&c["tokens"]) / number(&c["words"])).abs() < 1e-9);
}

/// GPT-2 (the tiny fixture's weights, with tiny-bert's 300-token tokenizer for its 300-token
/// vocabulary): NLL per token near ln V for an untrained model, per word from the same total.
#[test]
fn gpt2_gets_nll_per_token_and_per_word() {
    let dir = copy_model(&fixture("unmask-gpt2", "tiny-gpt2"), "gpt2", |_| {});
    for file in [
        "vocab.txt",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
    ] {
        std::fs::copy(
            fixture("unmask-roberta", "tiny-bert").join(file),
            dir.join(file),
        )
        .unwrap();
    }
    let json = eval_json(&dir, &SMALL);
    assert_eq!(json["kind"], "causal LM");
    let c = &json["likelihood"]["causal"];
    let nll = number(&c["nll_per_token"]);
    assert!((nll - 300f64.ln()).abs() < 1.5, "{nll}");
    let per_word = number(&c["nll_per_word"]);
    assert!((per_word - nll * number(&c["tokens"]) / number(&c["words"])).abs() < 1e-9);
}

/// The numbers of `unmask eval` are the experiments' numbers: the same blocks, masks and
/// measurement for the `tiny` preset's settings, to the last bit.
#[test]
fn eval_numbers_equal_the_experiments() {
    use experiments::measure::{CausalModel, HeldOut, MaskedModel};
    let mut preset = experiments::Preset::load("tiny").unwrap();
    preset.corpus = corpus();
    let rates: Vec<String> = preset.eval.mask_rates.iter().map(f64::to_string).collect();
    let settings = [
        "--blocks".to_string(),
        preset.eval.sequences.to_string(),
        "--block-len".into(),
        preset.data.block_len.to_string(),
        "--quadrature-nodes".into(),
        preset.eval.quadrature_nodes.to_string(),
        "--mask-rates".into(),
        rates.join(","),
        "--seed".into(),
        preset.seed.to_string(),
    ];
    let settings: Vec<&str> = settings.iter().map(String::as_str).collect();
    let held_out = HeldOut::load(&preset.corpus).unwrap();
    let device = Default::default();

    let masked_dir = fixture("unmask-roberta", "tiny-roberta");
    let cli = eval_json(&masked_dir, &settings);
    let mut model = MaskedModel::<burn::backend::Flex>::load(&masked_dir, &device).unwrap();
    let ours = experiments::measure::preset_scores(&mut model, &held_out, &preset).unwrap();
    let theirs = &cli["likelihood"]["masked"];
    assert_eq!(
        number(&theirs["bound"]["nll_per_token"]),
        ours.bound.nll_per_token
    );
    assert_eq!(number(&theirs["nll_per_word"]), ours.nll_per_word);
    assert_eq!(
        theirs["rate_losses"],
        serde_json::to_value(&ours.rate_losses).unwrap()
    );

    let causal_dir = causal_modernbert();
    let cli = eval_json(&causal_dir, &settings);
    let mut model = CausalModel::<burn::backend::Flex>::load(&causal_dir, &device).unwrap();
    let ours = experiments::measure::preset_causal_scores(&mut model, &held_out, &preset).unwrap();
    assert_eq!(
        number(&cli["likelihood"]["causal"]["nll_per_token"]),
        ours.nll_per_token
    );
}

#[test]
fn samples_are_scored_beside_real_and_shuffled_text_and_reported() {
    let evaluator = causal_modernbert();
    let out_dir = root().join("report");
    let corpus = corpus();
    let model = fixture("unmask-modernbert", "tiny-modernbert");
    let out = unmask(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--corpus",
        &corpus,
        "--blocks",
        "4",
        "--block-len",
        "32",
        "--generate",
        "3",
        "--length",
        "16",
        "--steps",
        "8",
        "--evaluator",
        evaluator.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let table = String::from_utf8_lossy(&out.stdout);
    for row in [
        "ELBO bound",
        "| samples",
        "real held-out text",
        "words shuffled",
        "ancestral, 8 steps",
    ] {
        assert!(table.contains(row), "no `{row}` in:\n{table}");
    }
    let report = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(report.contains("loss_vs_mask_rate.svg"), "{report}");
    let svg = std::fs::read_to_string(out_dir.join("loss_vs_mask_rate.svg")).unwrap();
    let summary = unmask_report::check_svg(&svg).unwrap();
    assert!(summary.count("polyline") + summary.count("circle") > 0);
    for csv in ["likelihood.csv", "loss_vs_mask_rate.csv", "generation.csv"] {
        let text = std::fs::read_to_string(out_dir.join(csv)).unwrap();
        assert!(text.lines().count() >= 2, "{csv} has no rows");
    }
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("results.json")).unwrap())
            .unwrap();
    let generation = &json["generation"];
    assert_eq!(
        generation["generated"]["samples"]["texts"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let real = &generation["controls"]["real"];
    assert!(number(&real["words"]["known_word_share"]) > 0.9, "{real}");
    assert!(number(&generation["generated"]["gen_ppl"]["perplexity"]).is_finite());
}

#[test]
fn a_tokenizer_of_another_model_is_refused() {
    // tiny-bert's 300-token embedding table under tiny-roberta's 400-token tokenizer.
    let dir = copy_model(&fixture("unmask-roberta", "tiny-bert"), "mismatch", |_| {});
    std::fs::remove_file(dir.join("vocab.txt")).unwrap();
    for file in [
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
    ] {
        std::fs::copy(
            fixture("unmask-roberta", "tiny-roberta").join(file),
            dir.join(file),
        )
        .unwrap();
    }
    let err = eval_error(&dir, &SMALL);
    assert!(
        err.contains("the tokenizer has 400 tokens but the model's vocabulary only 300"),
        "{err}"
    );
}

#[test]
fn a_corpus_too_small_for_the_blocks_is_refused() {
    let err = eval_error(
        &fixture("unmask-roberta", "tiny-roberta"),
        &["--blocks", "100000", "--block-len", "32"],
    );
    assert!(err.contains("100000 were asked for"), "{err}");
    assert!(err.contains("test split"), "{err}");
}

#[test]
fn a_split_that_does_not_exist_is_refused() {
    let model = fixture("unmask-roberta", "tiny-roberta");
    let err = eval_error(&model, &["--split", "dev"]);
    assert!(err.contains("`dev` is not a split"), "{err}");
    // Five documents: none of them falls in the test split.
    let tiny = unmask_test_data::synthetic_corpus(&root().join("five"), 5, 40);
    let out = unmask(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--corpus",
        tiny.to_str().unwrap(),
        "--quiet",
    ]);
    let err = stderr(&out);
    assert!(!out.status.success() && !err.contains("panicked"), "{err}");
    assert!(err.contains("test"), "{err}");
}

/// A causal evaluator whose WordPiece vocabulary holds a handful of words: it spells most of
/// the corpus as `[UNK]`, so it cannot score the samples.
#[test]
fn an_evaluator_of_another_tokenizer_family_is_refused() {
    let evaluator = root().join("wordpiece-evaluator");
    std::fs::create_dir_all(&evaluator).unwrap();
    let gpt2 = fixture("unmask-gpt2", "tiny-gpt2");
    for file in ["config.json", "model.safetensors"] {
        std::fs::copy(gpt2.join(file), evaluator.join(file)).unwrap();
    }
    let words = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nof\nand\nto\n";
    std::fs::write(evaluator.join("vocab.txt"), words).unwrap();
    let mut args = SMALL.to_vec();
    args.extend(["--generate", "2", "--length", "8", "--evaluator"]);
    args.push(evaluator.to_str().unwrap());
    let err = eval_error(&fixture("unmask-modernbert", "tiny-modernbert"), &args);
    assert!(err.contains("evaluator's tokenizer does not fit"), "{err}");
    assert!(err.contains("[UNK]"), "{err}");

    let masked_evaluator = fixture("unmask-roberta", "tiny-roberta");
    let mut args = SMALL.to_vec();
    args.extend(["--generate", "2", "--evaluator"]);
    args.push(masked_evaluator.to_str().unwrap());
    let err = eval_error(&fixture("unmask-modernbert", "tiny-modernbert"), &args);
    assert!(err.contains("the evaluator must be a causal LM"), "{err}");
}

#[test]
fn samples_longer_than_the_model_are_refused() {
    let evaluator = causal_modernbert();
    for model in [
        fixture("unmask-roberta", "tiny-roberta"),
        causal_modernbert(),
    ] {
        let mut args = SMALL.to_vec();
        args.extend(["--generate", "2", "--length", "100", "--evaluator"]);
        args.push(evaluator.to_str().unwrap());
        let err = eval_error(&model, &args);
        assert!(err.contains("exceed") && err.contains("positions"), "{err}");
    }
}

/// `--block`, `--cache` and `--cache-refresh` are `unmask generate`'s flags: the samples are
/// drawn in blocks under the cache, and what the sampler cannot do is refused with its reason
/// before any model runs.
#[test]
fn samples_are_drawn_under_the_block_cache_and_bad_caches_are_refused() {
    let evaluator = causal_modernbert();
    let model = fixture("unmask-modernbert", "tiny-modernbert");
    let generation = |extra: &[&'static str]| {
        let mut args = SMALL.to_vec();
        args.extend(["--generate", "2", "--length", "12", "--steps", "6"]);
        args.extend(extra);
        args.extend(["--evaluator", evaluator.to_str().unwrap()]);
        args
    };
    for cache in ["prefix", "dual"] {
        let args = generation(&["--policy", "threshold", "--block", "4", "--cache", cache]);
        let json = eval_json(&model, &args);
        let sampler = json["generation"]["sampler"].as_str().unwrap().to_string();
        assert_eq!(
            sampler,
            format!("threshold, 6 steps, blocks of 4, {cache} cache")
        );
        let texts = &json["generation"]["generated"]["samples"]["texts"];
        assert_eq!(texts.as_array().unwrap().len(), 2, "{json}");
    }
    for (extra, reasons) in [
        (
            &["--cache", "prefix"][..],
            &[
                "prefix cache",
                "needs semi-autoregressive blocks",
                "--block",
            ][..],
        ),
        (
            &["--block", "4", "--cache", "dual", "--policy", "seed"],
            &["dual cache", "`seed`", "rewrites committed tokens"],
        ),
        (
            &["--block", "4", "--cache", "dual", "--cache-refresh", "0"],
            &["at least 1 step"],
        ),
        (&["--block", "4", "--cache-refresh", "2"], &["cache"]),
        (
            &["--block", "4", "--cache", "suffix"],
            &["`suffix`", "prefix, dual"],
        ),
        (
            &["--policy", "greedy"],
            &[
                "`greedy`",
                "--policy",
                "known policies: seed, ancestral, prob, margin, entropy, random, threshold",
            ],
        ),
    ] {
        let err = eval_error(&model, &generation(extra));
        for reason in reasons {
            assert!(err.contains(reason), "{extra:?}: no `{reason}` in {err}");
        }
    }
}
