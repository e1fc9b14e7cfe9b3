//! Loads a Hugging Face model directory and saves it again with unmask's writer, copying the
//! tokenizer files: `cargo run -p unmask-roberta --example resave -- IN_DIR OUT_DIR`.
//! The fixture script's `--roundtrip OUT_DIR` then checks that transformers loads the result
//! and reproduces the expected logits.

use std::path::PathBuf;
use std::process::ExitCode;

use burn::backend::Flex;
use unmask_roberta::{load_masked_lm, save_masked_lm};

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: resave IN_DIR OUT_DIR");
        return ExitCode::FAILURE;
    };
    let result = load_masked_lm::<Flex>(input, &Default::default())
        .and_then(|(model, _)| save_masked_lm(&model, output))
        .map_err(|e| e.to_string())
        .and_then(|()| {
            for name in [
                "tokenizer.json",
                "tokenizer_config.json",
                "special_tokens_map.json",
                "vocab.json",
                "merges.txt",
                "vocab.txt",
            ] {
                let from = input.join(name);
                if from.is_file() {
                    std::fs::copy(&from, output.join(name))
                        .map_err(|e| format!("{}: {e}", from.display()))?;
                }
            }
            Ok(())
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
