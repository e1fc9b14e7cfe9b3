//! On-disk cache of packed token ids, so a corpus is tokenized once per tokenizer.
//!
//! File layout (all integers little-endian):
//! `b"UNMTOKS\0"`, u32 format version, u32 block length, u64 block count, 32-byte key,
//! then `block count * block length` u32 token ids.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Result, TextError};
use crate::packed_blocks::PackedBlocks;

const MAGIC: &[u8; 8] = b"UNMTOKS\0";
/// Bump when the packing layout or the file layout changes; old files then miss.
const FORMAT_VERSION: u32 = 1;
const HEADER_LEN: usize = 8 + 4 + 4 + 8 + 32;

/// What a cache file is valid for: SHA-256 over the format version, the tokenizer
/// fingerprint, the block length and every document's text (length-prefixed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheKey([u8; 32]);

impl CacheKey {
    pub fn new<D: AsRef<str>>(
        tokenizer_fingerprint: &[u8; 32],
        documents: &[D],
        block_len: usize,
    ) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"unmask packed tokens");
        hasher.update(FORMAT_VERSION.to_le_bytes());
        hasher.update(tokenizer_fingerprint);
        hasher.update((block_len as u64).to_le_bytes());
        hasher.update((documents.len() as u64).to_le_bytes());
        for document in documents {
            let text = document.as_ref().as_bytes();
            hasher.update((text.len() as u64).to_le_bytes());
            hasher.update(text);
        }
        Self(hasher.finalize().into())
    }

    /// First 16 hex digits, for file names.
    pub fn short_hex(&self) -> String {
        self.0[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// `<dir>/<label>-<key>.tokens`, the label reduced to `[A-Za-z0-9_-]`.
pub(crate) fn cache_file(dir: &Path, label: &str, key: &CacheKey) -> PathBuf {
    let label: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    dir.join(format!("{label}-{}.tokens", key.short_hex()))
}

/// The blocks stored at `path` if it is a complete cache file for `key`; anything else
/// (missing, truncated, other key) is a miss.
pub(crate) fn load(path: &Path, key: &CacheKey, block_len: usize) -> Option<PackedBlocks> {
    let bytes = std::fs::read(path).ok()?;
    let header = bytes.get(..HEADER_LEN)?;
    let u32_at = |at: usize| u32::from_le_bytes(header[at..at + 4].try_into().unwrap());
    if &header[..8] != MAGIC || u32_at(8) != FORMAT_VERSION || u32_at(12) as usize != block_len {
        return None;
    }
    let n_blocks = u64::from_le_bytes(header[16..24].try_into().unwrap()) as usize;
    if header[24..56] != key.0 || bytes.len() != HEADER_LEN + n_blocks * block_len * 4 {
        return None;
    }
    let ids = bytes[HEADER_LEN..]
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    PackedBlocks::new(block_len, ids).ok()
}

/// Writes the blocks to `path` atomically (`unmask_io`: a temporary file, fsync, rename).
pub(crate) fn store(path: &Path, key: &CacheKey, blocks: &PackedBlocks) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| TextError::io("create token cache directory", dir, e))?;
    unmask_io::write_atomic_with(path, |out| {
        out.write_all(MAGIC)?;
        out.write_all(&FORMAT_VERSION.to_le_bytes())?;
        out.write_all(&(blocks.block_len() as u32).to_le_bytes())?;
        out.write_all(&(blocks.n_blocks() as u64).to_le_bytes())?;
        out.write_all(&key.0)?;
        blocks
            .ids()
            .iter()
            .try_for_each(|id| out.write_all(&id.to_le_bytes()))
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(texts: &[&str], block_len: usize) -> CacheKey {
        CacheKey::new(&[7; 32], texts, block_len)
    }

    #[test]
    fn key_depends_on_every_input() {
        let base = key(&["ab", "c"], 4);
        assert_eq!(base, key(&["ab", "c"], 4));
        assert_ne!(base, key(&["a", "bc"], 4), "document boundaries matter");
        assert_ne!(base, key(&["ab", "c"], 5));
        assert_ne!(base, CacheKey::new(&[8; 32], &["ab", "c"], 4));
    }

    #[test]
    fn store_then_load_round_trips_and_rejects_other_keys() {
        let dir = tempfile::tempdir().unwrap();
        let blocks = PackedBlocks::new(3, vec![0, 5, 2, 0, 9, 2]).unwrap();
        let k = key(&["x"], 3);
        let path = cache_file(dir.path(), "sotu train/x", &k);
        assert!(
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("sotu_train_x-")
        );
        assert!(load(&path, &k, 3).is_none());
        store(&path, &k, &blocks).unwrap();
        assert_eq!(load(&path, &k, 3), Some(blocks));
        assert!(load(&path, &key(&["y"], 3), 3).is_none());
        assert!(load(&path, &k, 2).is_none());
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn truncated_file_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let blocks = PackedBlocks::new(2, vec![1, 2, 3, 4]).unwrap();
        let k = key(&["x"], 2);
        let path = cache_file(dir.path(), "t", &k);
        store(&path, &k, &blocks).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        assert!(load(&path, &k, 2).is_none());
    }
}
