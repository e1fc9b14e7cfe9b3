//! Loading tokenizers from hand-made vocabularies; ids checked by hand.

mod common;

use common::*;
use unmask_text::{SpecialTokens, TextError, TextTokenizer};

#[test]
fn byte_level_bpe_from_vocab_and_merges() {
    let tokenizer = bpe_tokenizer();
    assert_eq!(
        tokenizer.encode("hello world", false).unwrap(),
        vec![15, 18, 6, 11]
    );
    assert_eq!(
        tokenizer.encode("hello world", true).unwrap(),
        vec![0, 15, 18, 6, 11, 2]
    );
    assert_eq!(
        tokenizer.special(),
        &SpecialTokens {
            mask: 19,
            pad: 1,
            bos: 0,
            eos: 2,
            unk: Some(3),
            mask_str: "<mask>".into(),
        }
    );
    assert_eq!(tokenizer.vocab_size(), 20);
    let debug = format!("{tokenizer:?}");
    assert!(
        debug.contains("vocab_size: 20") && debug.len() < 300,
        "{debug}"
    );
    assert_eq!(tokenizer.id_to_token(18).as_deref(), Some("Ġwor"));
    assert_eq!(tokenizer.token_to_id("hello"), Some(15));
    assert_eq!(tokenizer.token_to_id("absent"), None);
}

#[test]
fn bpe_mask_swallows_the_space_before_it_and_specials_are_matched() {
    let tokenizer = bpe_tokenizer();
    assert_eq!(
        tokenizer.encode("hello <mask>", true).unwrap(),
        vec![0, 15, 19, 2]
    );
    assert_eq!(
        tokenizer.encode("<s>hello</s>", false).unwrap(),
        vec![0, 15, 2]
    );
}

#[test]
fn bpe_pairs_use_robertas_double_separator() {
    let tokenizer = bpe_tokenizer();
    let encoding = tokenizer.inner().encode(("hello", " world"), true).unwrap();
    assert_eq!(encoding.get_ids(), &[0, 15, 2, 2, 18, 6, 11, 2]);
}

#[test]
fn bpe_decode_round_trips_and_skips_specials() {
    let tokenizer = bpe_tokenizer();
    let ids = tokenizer.encode("hello world", true).unwrap();
    assert_eq!(tokenizer.decode(&ids, true).unwrap(), "hello world");
    assert_eq!(tokenizer.decode(&ids, false).unwrap(), "<s>hello world</s>");
    let batch = tokenizer
        .encode_batch(&["hello", "hello world"], false)
        .unwrap();
    assert_eq!(batch, vec![vec![15], vec![15, 18, 6, 11]]);
}

#[test]
fn add_prefix_space_from_tokenizer_config() {
    let dir = bpe_dir();
    std::fs::write(
        dir.path().join("tokenizer_config.json"),
        r#"{"add_prefix_space": true}"#,
    )
    .unwrap();
    let tokenizer = TextTokenizer::from_dir(dir.path()).unwrap();
    // "world" becomes "Ġworld" = Ġwor l d.
    assert_eq!(tokenizer.encode("world", false).unwrap(), vec![18, 6, 11]);
}

#[test]
fn wordpiece_from_vocab_txt_lowercases_by_default() {
    let dir = tempfile::tempdir().unwrap();
    write_wordpiece_vocab(dir.path(), WORDPIECE_VOCAB);
    let tokenizer = TextTokenizer::from_dir(dir.path()).unwrap();
    let ids = tokenizer.encode("Hello, unaffable world!", true).unwrap();
    assert_eq!(ids, vec![2, 5, 11, 7, 8, 9, 6, 10, 3]);
    assert_eq!(
        tokenizer.decode(&ids, true).unwrap(),
        "hello, unaffable world!"
    );
    assert_eq!(
        tokenizer.special(),
        &SpecialTokens {
            mask: 4,
            pad: 0,
            bos: 2,
            eos: 3,
            unk: Some(1),
            mask_str: "[MASK]".into(),
        }
    );
    assert_eq!(
        tokenizer.encode("hello [MASK] world", false).unwrap(),
        vec![5, 4, 6]
    );
    assert_eq!(tokenizer.vocab_size(), WORDPIECE_VOCAB.len());
}

#[test]
fn wordpiece_keeps_case_when_do_lower_case_is_false() {
    let dir = tempfile::tempdir().unwrap();
    write_wordpiece_vocab(dir.path(), WORDPIECE_VOCAB);
    std::fs::write(
        dir.path().join("tokenizer_config.json"),
        r#"{"do_lower_case": false}"#,
    )
    .unwrap();
    let tokenizer = TextTokenizer::from_dir(dir.path()).unwrap();
    assert_eq!(tokenizer.encode("Hello world", false).unwrap(), vec![1, 6]);
}

#[test]
fn special_names_from_tokenizer_config_and_ids_from_config_json() {
    let dir = tempfile::tempdir().unwrap();
    write_wordpiece_vocab(
        dir.path(),
        &[
            "<blank>", "[UNK]", "[CLS]", "[SEP]", "[HOLE]", "hello", "world",
        ],
    );
    std::fs::write(
        dir.path().join("tokenizer_config.json"),
        r#"{"mask_token": "[HOLE]"}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("config.json"), r#"{"pad_token_id": 0}"#).unwrap();
    let tokenizer = TextTokenizer::from_dir(dir.path()).unwrap();
    let special = tokenizer.special();
    assert_eq!((special.mask, special.mask_str.as_str()), (4, "[HOLE]"));
    assert_eq!(special.pad, 0, "pad comes from config.json");
    // The named mask is registered as a special token, so it is matched whole in text.
    assert_eq!(
        tokenizer.encode("hello [HOLE] world", false).unwrap(),
        vec![5, 4, 6]
    );
}

#[test]
fn tokenizer_json_wins_and_from_file_loads_it() {
    let source = bpe_tokenizer();
    let dir = tempfile::tempdir().unwrap();
    let path = source.save(dir.path()).unwrap();
    assert_eq!(path, dir.path().join("tokenizer.json"));
    // A vocab.txt next to tokenizer.json is ignored.
    write_wordpiece_vocab(dir.path(), WORDPIECE_VOCAB);
    for loaded in [
        TextTokenizer::from_dir(dir.path()).unwrap(),
        TextTokenizer::from_file(&path).unwrap(),
    ] {
        assert_eq!(
            loaded.encode("hello <mask> world", true).unwrap(),
            vec![0, 15, 19, 18, 6, 11, 2]
        );
        assert_eq!(loaded.special(), source.special());
        assert_eq!(loaded.fingerprint().unwrap(), source.fingerprint().unwrap());
    }
}

#[test]
fn saved_tokenizer_config_names_class_and_specials() {
    let dir = tempfile::tempdir().unwrap();
    bpe_tokenizer().save(dir.path()).unwrap();
    let config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("tokenizer_config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(config["tokenizer_class"], "RobertaTokenizerFast");
    assert_eq!(config["mask_token"], "<mask>");
    assert_eq!(config["pad_token"], "<pad>");
    assert_eq!(config["cls_token"], "<s>");
    assert_eq!(config["sep_token"], "</s>");
    assert_eq!(config["add_prefix_space"], false);

    let wp_dir = tempfile::tempdir().unwrap();
    write_wordpiece_vocab(wp_dir.path(), WORDPIECE_VOCAB);
    let out = tempfile::tempdir().unwrap();
    TextTokenizer::from_dir(wp_dir.path())
        .unwrap()
        .save(out.path())
        .unwrap();
    let config: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("tokenizer_config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(config["tokenizer_class"], "BertTokenizerFast");
    assert_eq!(config["do_lower_case"], true);
    assert_eq!(config["mask_token"], "[MASK]");
}

#[test]
fn missing_mask_token_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    write_wordpiece_vocab(dir.path(), &["[PAD]", "[UNK]", "[CLS]", "[SEP]", "hello"]);
    let err = TextTokenizer::from_dir(dir.path()).unwrap_err();
    assert!(
        matches!(err, TextError::MissingSpecialToken { role: "mask", .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(message.contains("vocab.txt"), "{message}");
    assert!(
        message.contains("`<mask>`") && message.contains("`[MASK]`"),
        "{message}"
    );

    let bpe = tempfile::tempdir().unwrap();
    write_bpe_files(bpe.path(), &BPE_VOCAB.replace(",\n  \"<mask>\": 19", ""));
    let message = TextTokenizer::from_dir(bpe.path()).unwrap_err().to_string();
    assert!(
        message.contains("vocab.json") && message.contains("mask"),
        "{message}"
    );
}

#[test]
fn missing_directory_and_missing_files_are_clear_errors() {
    let missing = std::path::Path::new("/definitely/not/here");
    let message = TextTokenizer::from_dir(missing).unwrap_err().to_string();
    assert!(
        message.contains("/definitely/not/here") && message.contains("does not exist"),
        "{message}"
    );

    let empty = tempfile::tempdir().unwrap();
    let err = TextTokenizer::from_dir(empty.path()).unwrap_err();
    assert!(matches!(err, TextError::NoTokenizerFile { .. }), "{err:?}");
    let message = err.to_string();
    for name in ["tokenizer.json", "vocab.json", "merges.txt", "vocab.txt"] {
        assert!(message.contains(name), "{message} should name {name}");
    }

    std::fs::write(empty.path().join("vocab.json"), BPE_VOCAB).unwrap();
    let message = TextTokenizer::from_dir(empty.path())
        .unwrap_err()
        .to_string();
    assert!(message.contains("merges.txt is missing"), "{message}");

    let message = TextTokenizer::from_file(empty.path().join("tokenizer.json"))
        .unwrap_err()
        .to_string();
    assert!(message.contains("tokenizer.json"), "{message}");
}

#[test]
fn corrupt_tokenizer_json_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tokenizer.json"), "{\"model\": 3}").unwrap();
    let message = TextTokenizer::from_dir(dir.path()).unwrap_err().to_string();
    assert!(
        message.contains("tokenizer.json") && message.contains("cannot load"),
        "{message}"
    );
}

#[test]
fn merges_with_unknown_tokens_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write_bpe_files(dir.path(), BPE_VOCAB);
    std::fs::write(dir.path().join("merges.txt"), "#version: 0.2\nx y\n").unwrap();
    let message = TextTokenizer::from_dir(dir.path()).unwrap_err().to_string();
    assert!(
        message.contains("vocab.json") && message.contains("merges.txt"),
        "{message}"
    );
}

/// Token by token, the pieces read as the decoded text: spaces between words, none inside one.
#[test]
fn pieces_join_into_the_decoded_text() {
    let dir = tempfile::tempdir().unwrap();
    write_wordpiece_vocab(dir.path(), WORDPIECE_VOCAB);
    let wordpiece = TextTokenizer::from_dir(dir.path()).unwrap();
    for (tokenizer, text) in [
        (bpe_tokenizer(), "hello world"),
        (wordpiece, "hello, unaffable world!"),
    ] {
        let ids = tokenizer.encode(text, false).unwrap();
        let pieces: Vec<String> = ids.iter().map(|&id| tokenizer.piece(id).unwrap()).collect();
        assert_eq!(pieces.concat().trim_start(), text, "{pieces:?}");
        assert!(
            pieces.iter().skip(1).any(|p| p.starts_with(' ')),
            "{pieces:?}"
        );
        let mask = tokenizer.special().mask;
        assert_eq!(tokenizer.piece(mask).unwrap(), tokenizer.special().mask_str);
    }
}
