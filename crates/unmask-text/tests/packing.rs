//! Packing documents into blocks with the hand-made BPE tokenizer, and the token cache.

mod common;

use unmask_text::{BlockPacker, CacheStatus, Corpus, Progress, Split, TextError, token_stream};

// With the tiny BPE: "hello world" -> 15 18 6 11, "hello" -> 15; <s> = 0, </s> = 2.
const DOCS: [&str; 2] = ["hello world", "hello"];

#[test]
fn documents_are_wrapped_in_bos_eos_and_concatenated() {
    let tokenizer = common::bpe_tokenizer();
    let stream = token_stream(&tokenizer, &DOCS, Progress::Hidden, "t").unwrap();
    assert_eq!(stream, vec![0, 15, 18, 6, 11, 2, 0, 15, 2]);
}

#[test]
fn blocks_cut_the_stream_and_drop_the_remainder() {
    let tokenizer = common::bpe_tokenizer();
    let packer = BlockPacker::new(4).unwrap().with_progress(Progress::Hidden);
    let packed = packer.pack(&tokenizer, &DOCS, "t").unwrap();
    assert_eq!(packed.cache, CacheStatus::Disabled);
    let blocks: Vec<&[u32]> = packed.blocks.blocks().collect();
    assert_eq!(blocks, [&[0, 15, 18, 6][..], &[11, 2, 0, 15][..]]);
}

#[test]
fn token_counts_index_ids() {
    let tokenizer = common::bpe_tokenizer();
    let packed = BlockPacker::new(4)
        .unwrap()
        .with_progress(Progress::Hidden)
        .pack(&tokenizer, &DOCS, "t")
        .unwrap();
    let counts = packed.blocks.token_counts(tokenizer.vocab_size());
    assert_eq!(counts.len(), 20);
    assert_eq!(
        (
            counts[0], counts[15], counts[2], counts[6], counts[11], counts[18]
        ),
        (2, 2, 1, 1, 1, 1)
    );
    assert_eq!(counts.iter().sum::<u64>(), 8);
}

#[test]
fn corpus_smaller_than_a_block_is_an_error() {
    let tokenizer = common::bpe_tokenizer();
    let err = BlockPacker::default()
        .with_progress(Progress::Hidden)
        .pack(&tokenizer, &DOCS, "tiny train")
        .unwrap_err();
    assert!(
        matches!(
            err,
            TextError::CorpusTooSmall {
                tokens: 9,
                block_len: 256,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("tiny train"), "{err}");
}

#[test]
fn second_pack_hits_the_cache() {
    let tokenizer = common::bpe_tokenizer();
    let cache = tempfile::tempdir().unwrap();
    let packer = BlockPacker::new(4)
        .unwrap()
        .with_progress(Progress::Hidden)
        .with_cache_dir(cache.path());
    let first = packer.pack(&tokenizer, &DOCS, "sotu-train").unwrap();
    let CacheStatus::Stored(path) = &first.cache else {
        panic!("first call stores: {:?}", first.cache)
    };
    assert!(path.starts_with(cache.path()));
    let second = packer.pack(&tokenizer, &DOCS, "sotu-train").unwrap();
    assert_eq!(second.cache, CacheStatus::Hit(path.clone()));
    assert!(second.cache.is_hit());
    assert_eq!(second.blocks, first.blocks);

    // Other documents, block length or tokenizer: a different key, so no stale hit.
    let other_docs = packer
        .pack(&tokenizer, &["hello world", "hello hello"], "sotu-train")
        .unwrap();
    assert!(!other_docs.cache.is_hit());
    let other_len = BlockPacker::new(3)
        .unwrap()
        .with_progress(Progress::Hidden)
        .with_cache_dir(cache.path())
        .pack(&tokenizer, &DOCS, "sotu-train")
        .unwrap();
    assert!(!other_len.cache.is_hit());
    assert_eq!(other_len.blocks.n_blocks(), 3);
    let wordpiece_dir = tempfile::tempdir().unwrap();
    common::write_wordpiece_vocab(wordpiece_dir.path(), common::WORDPIECE_VOCAB);
    let wordpiece = unmask_text::TextTokenizer::from_dir(wordpiece_dir.path()).unwrap();
    let other_tokenizer = packer.pack(&wordpiece, &DOCS, "sotu-train").unwrap();
    assert!(!other_tokenizer.cache.is_hit());
    // [CLS] hello world [SEP] [CLS] hello [SEP] = 2 5 6 3 2 5 3
    assert_eq!(other_tokenizer.blocks.ids(), &[2, 5, 6, 3]);
}

#[test]
fn a_damaged_cache_file_is_rebuilt() {
    let tokenizer = common::bpe_tokenizer();
    let cache = tempfile::tempdir().unwrap();
    let packer = BlockPacker::new(4)
        .unwrap()
        .with_progress(Progress::Hidden)
        .with_cache_dir(cache.path());
    let first = packer.pack(&tokenizer, &DOCS, "t").unwrap();
    let CacheStatus::Stored(path) = &first.cache else {
        panic!()
    };
    std::fs::write(path, b"garbage").unwrap();
    let second = packer.pack(&tokenizer, &DOCS, "t").unwrap();
    assert_eq!(second.cache, CacheStatus::Stored(path.clone()));
    assert_eq!(second.blocks, first.blocks);
    assert!(packer.pack(&tokenizer, &DOCS, "t").unwrap().cache.is_hit());
}

#[test]
fn corpus_splits_pack_separately() {
    let tokenizer = common::bpe_tokenizer();
    // 40 documents: indices 18 and 38 are validation, 19 and 39 test.
    let corpus = Corpus::from_texts(
        "c",
        (0..40).map(|i| if i % 2 == 0 { "hello" } else { "hello world" }),
    )
    .unwrap();
    let packer = BlockPacker::new(3).unwrap().with_progress(Progress::Hidden);
    let train = packer
        .pack(&tokenizer, &corpus.split(Split::Train), "c-train")
        .unwrap();
    let validation = packer
        .pack(&tokenizer, &corpus.split(Split::Validation), "c-validation")
        .unwrap();
    // validation = docs 18 ("hello") and 38 ("hello"): 0 15 2 0 15 2.
    assert_eq!(validation.blocks.ids(), &[0, 15, 2, 0, 15, 2]);
    // train: 18 "hello" (3 tokens) + 18 "hello world" (6 tokens) = 162 tokens = 54 blocks.
    assert_eq!(train.blocks.n_blocks(), 54);
}
