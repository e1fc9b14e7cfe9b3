//! The files a model needs, and how they are picked among alternatives.

use std::path::{Path, PathBuf};

/// A model's files, all in one local directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFiles {
    /// The directory holding the files (for Hub models, a snapshot in the hf-hub cache).
    pub dir: PathBuf,
    /// `config.json`.
    pub config: PathBuf,
    /// The weights.
    pub weights: WeightsFile,
    /// The tokenizer.
    pub tokenizer: TokenizerFiles,
    /// `tokenizer_config.json`, if the model has one.
    pub tokenizer_config: Option<PathBuf>,
    /// `special_tokens_map.json`, if the model has one.
    pub special_tokens_map: Option<PathBuf>,
}

/// Model weights, `model.safetensors` preferred.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeightsFile {
    /// `model.safetensors`.
    Safetensors(PathBuf),
    /// `pytorch_model.bin` (a PyTorch pickle archive).
    PytorchBin(PathBuf),
}

impl WeightsFile {
    /// The file's path.
    pub fn path(&self) -> &Path {
        match self {
            WeightsFile::Safetensors(path) | WeightsFile::PytorchBin(path) => path,
        }
    }
}

/// Tokenizer files, in order of preference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenizerFiles {
    /// A Hugging Face `tokenizer.json`.
    Json(PathBuf),
    /// A byte-level BPE vocabulary `vocab.json` with `merges.txt` (GPT-2, RoBERTa).
    VocabMerges {
        /// `vocab.json`.
        vocab: PathBuf,
        /// `merges.txt`.
        merges: PathBuf,
    },
    /// A WordPiece `vocab.txt` (BERT).
    WordPieceVocab(PathBuf),
}

/// One needed thing and the file sets that can provide it, best first.
#[derive(Debug)]
pub(crate) struct FileGroup {
    pub alternatives: &'static [&'static [&'static str]],
    pub required: bool,
}

impl FileGroup {
    /// E.g. `model.safetensors or pytorch_model.bin`, `vocab.json + merges.txt`.
    pub fn describe(&self) -> String {
        self.alternatives
            .iter()
            .map(|files| files.join(" + "))
            .collect::<Vec<_>>()
            .join(" or ")
    }

    /// The first alternative whose files `lookup` all finds: its index and paths.
    pub fn find(&self, lookup: &impl Fn(&str) -> Option<PathBuf>) -> Option<(usize, Vec<PathBuf>)> {
        self.alternatives
            .iter()
            .enumerate()
            .find_map(|(index, files)| {
                let paths: Option<Vec<PathBuf>> = files.iter().map(|file| lookup(file)).collect();
                paths.map(|paths| (index, paths))
            })
    }
}

pub(crate) const CONFIG: FileGroup = FileGroup {
    alternatives: &[&["config.json"]],
    required: true,
};
pub(crate) const WEIGHTS: FileGroup = FileGroup {
    alternatives: &[&["model.safetensors"], &["pytorch_model.bin"]],
    required: true,
};
pub(crate) const TOKENIZER: FileGroup = FileGroup {
    alternatives: &[
        &["tokenizer.json"],
        &["vocab.json", "merges.txt"],
        &["vocab.txt"],
    ],
    required: true,
};
pub(crate) const TOKENIZER_CONFIG: FileGroup = FileGroup {
    alternatives: &[&["tokenizer_config.json"]],
    required: false,
};
pub(crate) const SPECIAL_TOKENS_MAP: FileGroup = FileGroup {
    alternatives: &[&["special_tokens_map.json"]],
    required: false,
};

/// Every group, in the order they are fetched.
pub(crate) const MODEL_FILE_GROUPS: [&FileGroup; 5] = [
    &CONFIG,
    &WEIGHTS,
    &TOKENIZER,
    &TOKENIZER_CONFIG,
    &SPECIAL_TOKENS_MAP,
];

impl ModelFiles {
    /// Picks the files `lookup` finds; on failure, the required groups it could not satisfy.
    pub(crate) fn assemble(
        dir: &Path,
        lookup: impl Fn(&str) -> Option<PathBuf>,
    ) -> Result<ModelFiles, Vec<&'static FileGroup>> {
        let config = CONFIG.find(&lookup);
        let weights = WEIGHTS.find(&lookup);
        let tokenizer = TOKENIZER.find(&lookup);
        let (Some(config), Some(weights), Some(tokenizer)) = (&config, &weights, &tokenizer) else {
            let found = [config.is_some(), weights.is_some(), tokenizer.is_some()];
            let missing = [&CONFIG, &WEIGHTS, &TOKENIZER]
                .into_iter()
                .zip(found)
                .filter(|(_, found)| !found)
                .map(|(group, _)| group)
                .collect();
            return Err(missing);
        };
        let single = |group: &FileGroup| group.find(&lookup).map(|(_, mut paths)| paths.remove(0));
        let weights = match weights {
            (0, paths) => WeightsFile::Safetensors(paths[0].clone()),
            (_, paths) => WeightsFile::PytorchBin(paths[0].clone()),
        };
        let tokenizer = match tokenizer {
            (0, paths) => TokenizerFiles::Json(paths[0].clone()),
            (1, paths) => TokenizerFiles::VocabMerges {
                vocab: paths[0].clone(),
                merges: paths[1].clone(),
            },
            (_, paths) => TokenizerFiles::WordPieceVocab(paths[0].clone()),
        };
        Ok(ModelFiles {
            dir: dir.to_path_buf(),
            config: config.1[0].clone(),
            weights,
            tokenizer,
            tokenizer_config: single(&TOKENIZER_CONFIG),
            special_tokens_map: single(&SPECIAL_TOKENS_MAP),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn lookup_in(names: &[&str]) -> impl Fn(&str) -> Option<PathBuf> {
        let names: HashSet<String> = names.iter().map(|n| n.to_string()).collect();
        move |name| names.contains(name).then(|| PathBuf::from("/m").join(name))
    }

    #[test]
    fn prefers_safetensors_and_tokenizer_json() {
        let all = [
            "config.json",
            "model.safetensors",
            "pytorch_model.bin",
            "tokenizer.json",
            "vocab.json",
            "merges.txt",
            "vocab.txt",
            "tokenizer_config.json",
        ];
        let files = ModelFiles::assemble(Path::new("/m"), lookup_in(&all)).unwrap();
        assert_eq!(
            files.weights,
            WeightsFile::Safetensors("/m/model.safetensors".into())
        );
        assert_eq!(
            files.tokenizer,
            TokenizerFiles::Json("/m/tokenizer.json".into())
        );
        assert_eq!(
            files.tokenizer_config,
            Some("/m/tokenizer_config.json".into())
        );
        assert_eq!(files.special_tokens_map, None);
    }

    #[test]
    fn falls_back_along_the_alternatives() {
        let names = [
            "config.json",
            "pytorch_model.bin",
            "vocab.json",
            "merges.txt",
            "vocab.txt",
        ];
        let files = ModelFiles::assemble(Path::new("/m"), lookup_in(&names)).unwrap();
        assert_eq!(
            files.weights,
            WeightsFile::PytorchBin("/m/pytorch_model.bin".into())
        );
        assert_eq!(
            files.tokenizer,
            TokenizerFiles::VocabMerges {
                vocab: "/m/vocab.json".into(),
                merges: "/m/merges.txt".into()
            }
        );
        let names = [
            "config.json",
            "model.safetensors",
            "vocab.json",
            "vocab.txt",
        ];
        let files = ModelFiles::assemble(Path::new("/m"), lookup_in(&names)).unwrap();
        assert_eq!(
            files.tokenizer,
            TokenizerFiles::WordPieceVocab("/m/vocab.txt".into())
        );
    }

    #[test]
    fn reports_every_missing_required_group() {
        let missing =
            ModelFiles::assemble(Path::new("/m"), lookup_in(&["vocab.json"])).unwrap_err();
        let described: Vec<String> = missing.iter().map(|g| g.describe()).collect();
        assert_eq!(
            described,
            [
                "config.json",
                "model.safetensors or pytorch_model.bin",
                "tokenizer.json or vocab.json + merges.txt or vocab.txt"
            ]
        );
    }
}
