//! A trained comparison model whose saved config no longer matches the experiment's is
//! retrained, and the old directory is moved aside (`<key>.stale-<unix time>`), never
//! deleted. Needs the State of the Union corpus (`bash datasets/fetch-sotu.sh`).

use std::path::Path;

use burn::backend::{Autodiff, Flex};
use experiments::Preset;
use experiments::models::{ModelSpec, models_root, move_aside, trained};

type B = Autodiff<Flex>;

fn stale_dirs(root: &Path, key: &str) -> Vec<std::path::PathBuf> {
    let prefix = format!("{key}.stale-");
    let mut dirs: Vec<_> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&prefix))
        })
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn a_model_trained_with_another_config_is_moved_aside_not_deleted() {
    let tmp = tempfile::tempdir().unwrap();
    let mut preset = Preset::load("tiny").unwrap();
    preset.corpus = unmask_test_data::sotu_subset(tmp.path(), 30)
        .display()
        .to_string();
    let out = tmp.path().join("runs");
    let spec = ModelSpec::scratch(&preset, "linear");
    let device = Default::default();

    let first = trained::<B>(&spec, &preset, &out, &device).unwrap();
    let weights = std::fs::read(first.dir.join("model.safetensors")).unwrap();
    let run_dir = models_root(&out, &preset).join(&spec.key);

    // Reused as it is while the config matches: nothing moved.
    trained::<B>(&spec, &preset, &out, &device).unwrap();
    assert!(stale_dirs(&models_root(&out, &preset), &spec.key).is_empty());

    // The saved config no longer matches (e.g. a moved corpus path): retrained, and the
    // old run survives next to the new one.
    let config = run_dir.join("config.toml");
    let saved = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, saved.replace("[run]", "# edited\n[run]")).unwrap();
    let second = trained::<B>(&spec, &preset, &out, &device).unwrap();
    assert!(second.dir.join("model.safetensors").is_file());
    let stale = stale_dirs(&models_root(&out, &preset), &spec.key);
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert_eq!(
        std::fs::read(stale[0].join("final/model.safetensors")).unwrap(),
        weights,
        "the old model was not kept"
    );
    assert!(
        std::fs::read_to_string(stale[0].join("config.toml"))
            .unwrap()
            .contains("# edited")
    );
}

#[test]
fn moving_aside_never_overwrites_an_earlier_stale_copy() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("scratch-linear");
    let mut moved = Vec::new();
    for i in 0..3 {
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("weights"), format!("{i}")).unwrap();
        moved.push(move_aside(&dir).unwrap());
        assert!(!dir.exists());
    }
    for (i, path) in moved.iter().enumerate() {
        assert_eq!(
            std::fs::read_to_string(path.join("weights")).unwrap(),
            i.to_string()
        );
    }
    assert_eq!(stale_dirs(tmp.path(), "scratch-linear").len(), 3);
}
