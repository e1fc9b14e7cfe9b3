//! The special token ids a masked-LM pipeline needs, found by name in a tokenizer's vocabulary.

use std::path::Path;

use tokenizers::Tokenizer;

use crate::error::{Result, TextError};
use crate::tokenizer_hints::TokenizerHints;

/// Ids of the special tokens of a masked language model tokenizer.
///
/// `bos`/`eos` are the tokens that open and close a sequence: `<s>`/`</s>` for RoBERTa,
/// `[CLS]`/`[SEP]` for BERT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialTokens {
    pub mask: u32,
    pub pad: u32,
    pub bos: u32,
    pub eos: u32,
    pub unk: Option<u32>,
    /// The text of the mask token (`<mask>` or `[MASK]`), for writing prompts with holes.
    pub mask_str: String,
}

impl SpecialTokens {
    /// All distinct special ids, sorted (mask, pad, bos, eos and unk when present).
    pub fn ids(&self) -> Vec<u32> {
        let mut ids = vec![self.mask, self.pad, self.bos, self.eos];
        ids.extend(self.unk);
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Whether `id` is one of [`SpecialTokens::ids`].
    pub fn is_special(&self, id: u32) -> bool {
        self.ids().contains(&id)
    }
}

/// The roles a special token can play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecialRole {
    Mask,
    Pad,
    Bos,
    Eos,
    Unk,
}

impl SpecialRole {
    pub const ALL: [SpecialRole; 5] = [Self::Mask, Self::Pad, Self::Bos, Self::Eos, Self::Unk];

    /// The names tried when the configuration files do not name the token (RoBERTa, then BERT).
    pub fn default_names(self) -> [&'static str; 2] {
        match self {
            Self::Mask => ["<mask>", "[MASK]"],
            Self::Pad => ["<pad>", "[PAD]"],
            Self::Bos => ["<s>", "[CLS]"],
            Self::Eos => ["</s>", "[SEP]"],
            Self::Unk => ["<unk>", "[UNK]"],
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Mask => "mask",
            Self::Pad => "pad",
            Self::Bos => "bos/cls",
            Self::Eos => "eos/sep",
            Self::Unk => "unk",
        }
    }
}

/// Finds the special ids of `tokenizer`. Names from `hints` are tried first, then the default
/// names; a `config.json` id is used for a role whose token no name finds. When both exist
/// and disagree the tokenizer's token wins, because it is what encodes the text.
/// `source` is the file named in errors.
pub(crate) fn find_special_tokens(
    tokenizer: &Tokenizer,
    hints: &TokenizerHints,
    source: &Path,
) -> Result<SpecialTokens> {
    let find = |role: SpecialRole| find_role(tokenizer, hints, role);
    let require = |role: SpecialRole| {
        find(role).ok_or_else(|| TextError::MissingSpecialToken {
            path: source.to_owned(),
            role: role.label(),
            looked_for: looked_for(hints, role),
        })
    };
    let (mask, mask_str) = require(SpecialRole::Mask)?;
    Ok(SpecialTokens {
        mask,
        pad: require(SpecialRole::Pad)?.0,
        bos: require(SpecialRole::Bos)?.0,
        eos: require(SpecialRole::Eos)?.0,
        unk: find(SpecialRole::Unk).map(|(id, _)| id),
        mask_str,
    })
}

fn find_role(
    tokenizer: &Tokenizer,
    hints: &TokenizerHints,
    role: SpecialRole,
) -> Option<(u32, String)> {
    let by_name = hints
        .name(role)
        .into_iter()
        .chain(role.default_names())
        .find_map(|name| tokenizer.token_to_id(name).map(|id| (id, name.to_owned())));
    by_name.or_else(|| {
        let id = hints.config_id(role)?;
        tokenizer.id_to_token(id).map(|token| (id, token))
    })
}

fn looked_for(hints: &TokenizerHints, role: SpecialRole) -> String {
    let mut names: Vec<String> = hints.name(role).into_iter().map(str::to_owned).collect();
    names.extend(role.default_names().map(str::to_owned));
    names.dedup();
    let mut text = names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(id) = hints.config_id(role) {
        text.push_str(&format!(" and config.json id {id}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sorted_and_distinct() {
        let special = SpecialTokens {
            mask: 4,
            pad: 1,
            bos: 0,
            eos: 2,
            unk: Some(3),
            mask_str: "<mask>".into(),
        };
        assert_eq!(special.ids(), vec![0, 1, 2, 3, 4]);
        assert!(special.is_special(3));
        assert!(!special.is_special(5));
        let shared = SpecialTokens {
            bos: 2,
            unk: None,
            ..special
        };
        assert_eq!(shared.ids(), vec![1, 2, 4]);
    }
}
