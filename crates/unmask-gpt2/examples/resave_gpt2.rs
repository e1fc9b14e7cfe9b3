//! Loads a GPT-2 checkpoint and saves it again with unmask's writer:
//! `cargo run -p unmask-gpt2 --example resave_gpt2 -- IN OUT_DIR`.
//! The fixture script's `--roundtrip OUT_DIR` then checks that transformers loads the result
//! and reproduces the expected logits.

use std::path::PathBuf;
use std::process::ExitCode;

use burn::backend::Flex;
use unmask_gpt2::{load_gpt2, save_gpt2};

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: resave IN_DIR_OR_WEIGHTS OUT_DIR");
        return ExitCode::FAILURE;
    };
    let result = load_gpt2::<Flex>(input, &Default::default())
        .and_then(|(model, _)| save_gpt2(&model, model.config(), output));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
