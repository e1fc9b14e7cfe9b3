//! Byte-level BPE training.

use std::path::PathBuf;

use unmask_text::{
    MIN_BYTE_LEVEL_VOCAB, ROBERTA_SPECIAL_TOKENS, TextError, TextTokenizer, train_byte_level_bpe,
    train_byte_level_bpe_from_files,
};

/// About 6 KB of varied English.
fn training_text() -> Vec<String> {
    let sentences = [
        "The river ran past the old mill and under the stone bridge.",
        "A small dog barked at the passing carriage in the evening light.",
        "Numbers like 42 and 3.14 appear in reports, tables and letters.",
        "Fellow citizens, the state of the union is strong and growing stronger.",
        "She wrote the date on the board before the students arrived.",
        "Ships sailed from the harbor at dawn, bound for distant ports.",
    ];
    (0..100)
        .map(|i| sentences[i % sentences.len()].to_string())
        .collect()
}

fn trained(vocab_size: usize) -> TextTokenizer {
    train_byte_level_bpe(training_text().into_iter(), vocab_size, 2).unwrap()
}

#[test]
fn specials_get_ids_zero_to_four() {
    let tokenizer = trained(400);
    for (id, token) in ROBERTA_SPECIAL_TOKENS.iter().enumerate() {
        assert_eq!(tokenizer.token_to_id(token), Some(id as u32), "{token}");
    }
    let special = tokenizer.special();
    assert_eq!(
        (
            special.bos,
            special.pad,
            special.eos,
            special.unk,
            special.mask
        ),
        (0, 1, 2, Some(3), 4)
    );
    assert_eq!(special.mask_str, "<mask>");
}

#[test]
fn vocab_size_is_reached_or_bounded() {
    let tokenizer = trained(400);
    assert_eq!(tokenizer.vocab_size(), 400);
    // With few distinct pairs the merges run out before a large target.
    let tokenizer = trained(5000);
    assert!(tokenizer.vocab_size() > MIN_BYTE_LEVEL_VOCAB && tokenizer.vocab_size() <= 5000);
    // Every byte has a symbol even when absent from the training text.
    assert!(tokenizer.token_to_id("Ā").is_some(), "byte 0x00");
}

#[test]
fn round_trip_and_roberta_post_processing() {
    let tokenizer = trained(400);
    let sentence = "The quick river barked at 99 ships — naïve café!";
    let ids = tokenizer.encode(sentence, true).unwrap();
    assert_eq!(ids.first(), Some(&0));
    assert_eq!(ids.last(), Some(&2));
    assert_eq!(tokenizer.decode(&ids, true).unwrap(), sentence);
    assert!(!ids.contains(&3), "byte-level BPE never needs <unk>");
    // Training learned merges: a frequent word is one token.
    assert_eq!(tokenizer.encode(" river", false).unwrap().len(), 1);
    assert_eq!(
        tokenizer.encode("the <mask>", false).unwrap().last(),
        Some(&4)
    );
}

#[test]
fn training_is_deterministic() {
    assert_eq!(
        trained(350).fingerprint().unwrap(),
        trained(350).fingerprint().unwrap()
    );
}

#[test]
fn training_from_files_matches_training_from_texts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("train.txt");
    std::fs::write(&path, training_text().join("\n")).unwrap();
    let from_file = train_byte_level_bpe_from_files(&[path], 400, 2).unwrap();
    let sentence = "Ships sailed from the harbor.";
    assert_eq!(
        from_file.encode(sentence, true).unwrap().len(),
        trained(400).encode(sentence, true).unwrap().len()
    );
    assert_eq!(from_file.vocab_size(), 400);
}

#[test]
fn bad_arguments_are_errors() {
    let err = train_byte_level_bpe(training_text().into_iter(), 100, 2).unwrap_err();
    assert!(matches!(err, TextError::InvalidArgument(_)), "{err}");
    assert!(err.to_string().contains("261"), "{err}");
    let missing = PathBuf::from("/no/such/train.txt");
    let err = train_byte_level_bpe_from_files(&[missing], 400, 2).unwrap_err();
    assert!(err.to_string().contains("/no/such/train.txt"), "{err}");
    assert!(train_byte_level_bpe_from_files(&[], 400, 2).is_err());
}

#[test]
fn trained_tokenizer_saves_and_reloads() {
    let tokenizer = trained(400);
    let dir = tempfile::tempdir().unwrap();
    tokenizer.save(dir.path()).unwrap();
    let reloaded = TextTokenizer::from_dir(dir.path()).unwrap();
    let sentence = "The state of the union.";
    assert_eq!(
        reloaded.encode(sentence, true).unwrap(),
        tokenizer.encode(sentence, true).unwrap()
    );
    assert_eq!(reloaded.special(), tokenizer.special());
}
