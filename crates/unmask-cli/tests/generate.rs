//! `unmask train` then `unmask generate` through the real binary: a model of about 30k
//! parameters is trained for 20 steps on a few State of the Union addresses (needs
//! `bash datasets/fetch-sotu.sh` first), then every generation mode and the user errors run
//! against it. The model is trained once per test process and shared.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;
use unmask_test_data::TinyRun;
use unmask_text::TextTokenizer;

const PROMPT: &str = "The Congress";

fn unmask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_unmask"))
        .args(args)
        .output()
        .expect("the unmask binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn tiny_config(corpus: &Path, out_dir: &Path) -> String {
    TinyRun {
        block_len: 48,
        warmup_steps: 4,
        decay: "cosine".into(),
        eval_batches: 2,
        ..TinyRun::new(20)
    }
    .toml(corpus, out_dir)
}

/// Trains the shared model (once) under the target directory; its `final/` directory.
fn model() -> &'static Path {
    static MODEL: OnceLock<PathBuf> = OnceLock::new();
    MODEL.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("generate-test");
        if root.exists() {
            std::fs::remove_dir_all(&root).unwrap();
        }
        let corpus = unmask_test_data::sotu_subset(&root, 20);
        let config = root.join("tiny.toml");
        std::fs::write(&config, tiny_config(&corpus, &root.join("run"))).unwrap();
        let out = unmask(&["train", "--config", config.to_str().unwrap(), "--quiet"]);
        assert!(out.status.success(), "training failed: {}", stderr(&out));
        let final_dir = root.join("run/final");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("20 steps"), "{stdout}");
        assert!(
            stdout.contains(&final_dir.display().to_string()),
            "{stdout}"
        );
        assert!(final_dir.join("model.safetensors").is_file());
        final_dir
    })
}

fn model_arg() -> &'static str {
    model().to_str().unwrap()
}

fn tokenizer() -> TextTokenizer {
    TextTokenizer::from_dir(model()).unwrap()
}

/// `unmask generate --model <shared> --json ARGS`; must succeed.
fn generate_json(args: &[&str]) -> Value {
    let mut all = vec!["generate", "--model", model_arg(), "--json"];
    all.extend_from_slice(args);
    let out = unmask(&all);
    assert!(out.status.success(), "{args:?} failed: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("--json prints JSON")
}

fn samples(json: &Value) -> &Vec<Value> {
    json["samples"].as_array().expect("samples array")
}

fn text(sample: &Value) -> &str {
    sample["text"].as_str().expect("text")
}

fn tokens(sample: &Value) -> Vec<u32> {
    sample["tokens"]
        .as_array()
        .expect("tokens array")
        .iter()
        .map(|t| t.as_u64().unwrap() as u32)
        .collect()
}

/// A prompted sample is `bos prompt x length eos` with no mask left.
fn assert_prompted(sample: &Value, length: usize) {
    let tokenizer = tokenizer();
    let special = tokenizer.special();
    let prompt = tokenizer.encode(PROMPT, false).unwrap();
    let ids = tokens(sample);
    assert_eq!(ids.len(), 1 + prompt.len() + length + 1, "{sample}");
    assert_eq!(ids[0], special.bos);
    assert_eq!(&ids[1..1 + prompt.len()], prompt.as_slice());
    assert_eq!(*ids.last().unwrap(), special.eos);
    assert!(!ids.contains(&special.mask), "masks left: {sample}");
    assert!(text(sample).starts_with(PROMPT), "{sample}");
}

fn prompt_run(seed: &str) -> Value {
    generate_json(&[
        "--prompt", PROMPT, "--length", "16", "--steps", "8", "--seed", seed,
    ])
}

#[test]
fn prompt_generation_continues_the_prompt() {
    let json = prompt_run("3");
    assert_eq!(samples(&json).len(), 1);
    assert_prompted(&samples(&json)[0], 16);
    let nfe = json["nfe"].as_u64().unwrap();
    assert!((1..=8).contains(&nfe), "nfe {nfe}");
    assert_eq!(json["generated_tokens"], 16);
}

#[test]
fn same_seed_same_text_other_seed_other_text() {
    let a = prompt_run("3");
    let b = prompt_run("3");
    let c = prompt_run("4");
    assert_eq!(a["samples"], b["samples"]);
    assert_ne!(a["samples"], c["samples"]);
}

#[test]
fn template_keeps_its_fixed_text() {
    let json = generate_json(&[
        "--template",
        "We must [MASK:5] the [MASK:3].",
        "--policy",
        "threshold",
        "--steps",
        "8",
    ]);
    let sample = &samples(&json)[0];
    let tokenizer = tokenizer();
    let special = tokenizer.special();
    // Text before a span loses its trailing space (the model writes the space-led token).
    let (head, middle, tail) = (
        tokenizer.encode("We must", false).unwrap(),
        tokenizer.encode(" the", false).unwrap(),
        tokenizer.encode(".", false).unwrap(),
    );
    // The expected canvas: Some(fixed id) or None (a generated position).
    let fixed = |ids: &[u32]| ids.iter().map(|&t| Some(t)).collect::<Vec<_>>();
    let layout: Vec<Option<u32>> = [
        fixed(&[special.bos]),
        fixed(&head),
        vec![None; 5],
        fixed(&middle),
        vec![None; 3],
        fixed(&tail),
        fixed(&[special.eos]),
    ]
    .concat();
    let ids = tokens(sample);
    assert_eq!(ids.len(), layout.len(), "{sample}");
    for (i, (&got, want)) in ids.iter().zip(&layout).enumerate() {
        if let Some(want) = want {
            assert_eq!(got, *want, "fixed token {i} changed: {sample}");
        }
    }
    assert!(!ids.contains(&special.mask), "{sample}");
    let text = text(sample);
    assert!(text.starts_with("We must"), "{text}");
    assert!(text.contains(" the"), "{text}");
    assert!(text.ends_with('.'), "{text}");
    assert_eq!(json["generated_tokens"], 8);
}

#[test]
fn several_samples() {
    let json = generate_json(&[
        "--prompt",
        PROMPT,
        "--length",
        "12",
        "--steps",
        "6",
        "--num-samples",
        "3",
    ]);
    assert_eq!(samples(&json).len(), 3);
    for sample in samples(&json) {
        assert_prompted(sample, 12);
    }
    assert_eq!(json["generated_tokens"], 36);
}

#[test]
fn show_steps_draws_masks_on_stderr() {
    let out = unmask(&[
        "generate",
        "--model",
        model_arg(),
        "--prompt",
        PROMPT,
        "--length",
        "8",
        "--steps",
        "4",
        "--show-steps",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains('░'), "{err}");
    assert!(err.contains("masked]"), "{err}");
    // The text goes to stdout, the steps to stderr.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with(PROMPT), "{stdout}");
    assert!(!stdout.contains('░'), "{stdout}");
}

#[test]
fn trace_writes_one_json_line_per_step() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.jsonl");
    let json = generate_json(&[
        "--prompt",
        PROMPT,
        "--length",
        "8",
        "--steps",
        "4",
        "--trace",
        trace.to_str().unwrap(),
    ]);
    let steps = json["steps"].as_u64().unwrap() as usize;
    assert!((1..=4).contains(&steps), "{json}");
    let text = std::fs::read_to_string(&trace).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), steps, "{text}");
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["step"], i as u64, "{line}");
        assert_eq!(line["canvases"].as_array().unwrap().len(), 1);
    }
    // The last step leaves nothing masked and holds the returned sample.
    let last = &lines.last().unwrap()["canvases"][0];
    assert_eq!(last["masked"].as_array().unwrap().len(), 0, "{last}");
    assert_eq!(last["tokens"], samples(&json)[0]["tokens"]);
}

#[test]
fn other_policies_generate() {
    for (args, budget) in [
        (&["--policy", "seed", "--steps", "10"][..], 10),
        (&["--policy", "ancestral", "--steps", "8"][..], 8),
        (
            &["--policy", "margin", "--block", "8", "--steps", "8"][..],
            8,
        ),
        (
            &["--policy", "entropy", "--temperature", "0", "--steps", "8"][..],
            8,
        ),
    ] {
        let mut all = vec!["--prompt", PROMPT, "--length", "16"];
        all.extend_from_slice(args);
        let json = generate_json(&all);
        assert_prompted(&samples(&json)[0], 16);
        let nfe = json["nfe"].as_u64().unwrap();
        assert!(nfe >= 1 && nfe <= budget, "{args:?}: nfe {nfe}");
    }
}

#[test]
fn block_cache_generates_and_with_a_refresh_every_step_writes_the_uncached_tokens() {
    let base = [
        "--prompt", PROMPT, "--length", "16", "--policy", "margin", "--block", "4", "--steps", "8",
        "--seed", "5",
    ];
    let uncached = generate_json(&base);
    for cache in ["prefix", "dual"] {
        let mut args = base.to_vec();
        args.extend_from_slice(&["--cache", cache]);
        let json = generate_json(&args);
        assert_prompted(&samples(&json)[0], 16);
        args.extend_from_slice(&["--cache-refresh", "1"]);
        let refreshed = generate_json(&args);
        assert_eq!(
            tokens(&samples(&refreshed)[0]),
            tokens(&samples(&uncached)[0]),
            "{cache}"
        );
    }
}

// ---- user errors: a non-zero exit and a message, never a panic ----

fn assert_fails(args: &[&str], mentions: &[&str]) -> Output {
    let out = unmask(args);
    let err = stderr(&out);
    assert!(
        !out.status.success(),
        "{args:?} should fail; stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    for part in mentions {
        assert!(
            err.contains(part),
            "{args:?}: the error should mention {part:?}: {err}"
        );
    }
    out
}

fn assert_generate_fails(args: &[&str], mentions: &[&str]) -> Output {
    let mut all = vec!["generate", "--model", model_arg()];
    all.extend_from_slice(args);
    assert_fails(&all, mentions)
}

#[test]
fn prompt_longer_than_the_model_is_an_error() {
    let long = "The Congress of the United States ".repeat(20);
    assert_generate_fails(
        &["--prompt", &long, "--length", "8"],
        &["at most 48", "shorten the prompt"],
    );
    assert_generate_fails(&["--prompt", PROMPT, "--length", "100"], &["at most 48"]);
}

#[test]
fn bad_templates_are_errors() {
    assert_generate_fails(
        &["--template", "no span here"],
        &["no masked span", "[MASK:"],
    );
    assert_generate_fails(
        &["--template", "We must [MASK:abc] now."],
        &["\"abc\"", "[MASK:N]"],
    );
    assert_generate_fails(&["--template", "We must [MASK:0] now."], &["length 0"]);
    assert_generate_fails(&["--template", "We must [MASK:4 now."], &["never closed"]);
}

#[test]
fn bad_sampler_settings_are_errors() {
    assert_generate_fails(
        &["--prompt", PROMPT, "--steps", "0"],
        &["steps must be at least 1"],
    );
    assert_generate_fails(&["--prompt", PROMPT, "--top-p", "1.5"], &["top-p", "1.5"]);
    assert_generate_fails(&["--prompt", PROMPT, "--top-k", "0"], &["top-k"]);
    assert_generate_fails(&["--prompt", PROMPT, "--temperature=-1"], &["temperature"]);
    assert_generate_fails(
        &[
            "--prompt",
            PROMPT,
            "--policy",
            "threshold",
            "--threshold",
            "0",
        ],
        &["threshold", "got 0"],
    );
    assert_generate_fails(
        &["--prompt", PROMPT, "--policy", "bogus"],
        &[
            "`bogus`",
            "known policies",
            "threshold",
            "seed, ancestral, prob, margin, entropy, random, threshold",
            "--policy",
        ],
    );
    assert_generate_fails(
        &["--prompt", PROMPT, "--cache", "prefix"],
        &[
            "prefix cache",
            "needs semi-autoregressive blocks",
            "--block",
        ],
    );
    assert_generate_fails(
        &[
            "--prompt", PROMPT, "--block", "4", "--cache", "dual", "--policy", "seed",
        ],
        &["dual cache", "`seed`", "rewrites committed tokens"],
    );
    assert_generate_fails(
        &[
            "--prompt", PROMPT, "--block", "4", "--cache", "prefix", "--remask", "0.1",
        ],
        &["remasking", "rewrites committed tokens"],
    );
    assert_generate_fails(
        &["--prompt", PROMPT, "--cache", "suffix"],
        &["`suffix`", "prefix, dual"],
    );
    assert_generate_fails(
        &["--prompt", PROMPT, "--num-samples", "0"],
        &["--num-samples"],
    );
    assert_generate_fails(
        &["--prompt", PROMPT, "--length", "0"],
        &["nothing to generate"],
    );
}

/// Sizes near 1e9 and 2^64 - 1: a clear error and exit status 1, never an aborted allocation
/// (status 134) or a panic (101).
#[test]
fn huge_sizes_are_errors_not_aborts() {
    for n in ["1000000000", "18446744073709551615"] {
        let template = format!("We must [MASK:{n}] now.");
        let cases: [(Vec<&str>, Vec<&str>); 4] = [
            (
                vec!["--prompt", PROMPT, "--length", n],
                vec![n, "at most 48"],
            ),
            (vec!["--template", &template], vec![n, "at most 48"]),
            (
                vec!["--prompt", PROMPT, "--length", "8", "--num-samples", n],
                vec!["--num-samples", n, "fewer samples"],
            ),
            (
                vec!["--prompt", PROMPT, "--length", "8", "--steps", n],
                vec!["steps", n],
            ),
        ];
        for (args, mentions) in cases {
            let out = assert_generate_fails(&args, &mentions);
            assert_eq!(out.status.code(), Some(1), "{args:?}");
        }
    }
    // Spans that only add up past 2^64 - 1.
    assert_generate_fails(
        &["--template", "[MASK:18446744073709551615] and [MASK:2]"],
        &["at most 48"],
    );
}

#[test]
fn missing_model_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-model");
    assert_fails(
        &[
            "generate",
            "--model",
            missing.to_str().unwrap(),
            "--prompt",
            PROMPT,
        ],
        &["no-such-model", "does not exist"],
    );
}

#[test]
fn train_errors_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.toml");
    assert_fails(
        &["train", "--config", missing.to_str().unwrap()],
        &["missing.toml"],
    );
    assert_fails(
        &["train", "--preset", "nosuch"],
        &["`nosuch`", "cpu-small", "tiny"],
    );

    let typo = dir.path().join("typo.toml");
    let text = tiny_config(&dir.path().join("corpus"), &dir.path().join("run")).replacen(
        "lr = 3e-3",
        "learning_rate = 3e-3",
        1,
    );
    std::fs::write(&typo, text).unwrap();
    assert_fails(
        &["train", "--config", typo.to_str().unwrap()],
        &["typo.toml", "`learning_rate`"],
    );

    let valid = dir.path().join("valid.toml");
    std::fs::write(
        &valid,
        tiny_config(&dir.path().join("no-corpus"), &dir.path().join("run")),
    )
    .unwrap();
    assert_fails(
        &["train", "--config", valid.to_str().unwrap(), "--quiet"],
        &["no-corpus", "does not exist"],
    );
    assert_fails(
        &["train", "--config", valid.to_str().unwrap(), "--steps", "0"],
        &["run.steps"],
    );
}

/// `checkpoint_every = 0` still leaves a checkpoint at the end, so a finished run can be
/// extended with `--resume --steps N`.
#[test]
fn finished_run_resumes_with_more_steps() {
    model(); // the shared corpus
    let dir = tempfile::tempdir().unwrap();
    let corpus = Path::new(env!("CARGO_TARGET_TMPDIR")).join("generate-test/corpus");
    let run = dir.path().join("run");
    let config = dir.path().join("short.toml");
    std::fs::write(
        &config,
        tiny_config(&corpus, &run).replacen("steps = 20", "steps = 4", 1),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let out = unmask(&["train", "--config", config, "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        run.join("checkpoint/state.json").is_file(),
        "no checkpoint at the end of the run"
    );
    let out = unmask(&[
        "train", "--config", config, "--quiet", "--resume", "--steps", "6",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("resuming from step 4"),
        "{}",
        stderr(&out)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("6 steps"), "{stdout}");
}

#[test]
fn unwritable_trace_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("no/such/dir/trace.jsonl");
    assert_generate_fails(
        &[
            "--prompt",
            PROMPT,
            "--length",
            "8",
            "--trace",
            trace.to_str().unwrap(),
        ],
        &["trace file", "no/such/dir"],
    );
}

/// A ModernBERT (the parity fixture, tiny-roberta's tokenizer) generates through the same
/// command: prompted and from a template, seeded.
#[test]
fn a_modernbert_generates() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../unmask-modernbert/tests/fixtures/tiny-modernbert");
    let run = |seed: &str| {
        let out = unmask(&[
            "generate",
            "--model",
            dir.to_str().unwrap(),
            "--json",
            "--prompt",
            "The cat",
            "--length",
            "12",
            "--steps",
            "4",
            "--seed",
            seed,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let (a, b) = (run("1"), run("1"));
    assert_eq!(a["samples"], b["samples"]);
    assert_eq!(a["generated_tokens"], 12);
    assert!(text(&samples(&a)[0]).starts_with("The cat"));
    // Past max_position_embeddings (64): an error before any model call.
    let out = unmask(&[
        "generate",
        "--model",
        dir.to_str().unwrap(),
        "--prompt",
        "The cat",
        "--length",
        "100",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("64"), "{}", stderr(&out));
}
