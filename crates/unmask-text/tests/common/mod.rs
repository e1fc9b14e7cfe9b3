//! Tiny hand-made tokenizers whose ids can be worked out by hand.
#![allow(dead_code)]

use std::path::Path;

/// Byte-level BPE vocabulary (`Ġ` is the byte-level symbol of a space). With the merges below,
/// "hello world" pre-tokenizes to "hello" "Ġworld" and encodes as [15] [18, 6, 11].
pub const BPE_VOCAB: &str = r#"{
  "<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3,
  "h": 4, "e": 5, "l": 6, "o": 7, "Ġ": 8, "w": 9, "r": 10, "d": 11,
  "he": 12, "ll": 13, "hell": 14, "hello": 15, "Ġw": 16, "or": 17, "Ġwor": 18,
  "<mask>": 19
}"#;

pub const BPE_MERGES: &str = "#version: 0.2\nh e\nl l\nhe ll\nhell o\nĠ w\no r\nĠw or\n";

/// WordPiece vocabulary, id = line number.
pub const WORDPIECE_VOCAB: &[&str] = &[
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "un", "##aff", "##able", "!",
    ",",
];

pub fn write_bpe_files(dir: &Path, vocab: &str) {
    std::fs::write(dir.join("vocab.json"), vocab).unwrap();
    std::fs::write(dir.join("merges.txt"), BPE_MERGES).unwrap();
}

pub fn write_wordpiece_vocab(dir: &Path, tokens: &[&str]) {
    std::fs::write(dir.join("vocab.txt"), tokens.join("\n") + "\n").unwrap();
}

/// A directory holding the tiny byte-level BPE tokenizer.
pub fn bpe_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_bpe_files(dir.path(), BPE_VOCAB);
    dir
}

pub fn bpe_tokenizer() -> unmask_text::TextTokenizer {
    let dir = bpe_dir();
    unmask_text::TextTokenizer::from_dir(dir.path()).unwrap()
}
