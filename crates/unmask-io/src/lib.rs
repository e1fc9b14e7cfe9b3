//! The workspace's one way to write a file: readers see the old contents or the new, never a
//! half-written file, and a power cut after the call returns does not lose the new contents.
//! Checkpoints, weights, token caches, reports and configs are all written through it;
//! [`check_writable`] says up front whether a path can be written.

mod atomic_file;
mod error;
mod writable;

pub use atomic_file::{write_atomic, write_atomic_with};
pub use error::WriteError;
pub use writable::check_writable;
