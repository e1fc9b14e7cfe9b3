//! The binaries' allocator settings. `unmask`, `experiments` and the benchmarks run on
//! mimalloc (each declares `#[global_allocator]`) and call [`keep_freed_pages`] first.
//!
//! CPU tensors are large and short-lived: every op frees buffers of megabytes that the next op
//! asks for again. By default mimalloc hands freed pages back to the kernel ("purges" them)
//! after 10 ms, so every training step faulted the same memory back in, zeroed by the kernel:
//! about 45k page faults per 7 cpu-small steps and ~10% of a step in the kernel
//! (docs/benchmarks.md). With purging off the process keeps its peak and reuses it.

/// mimalloc's `mi_option_purge_delay`: its place in `mi_option_e` of mimalloc v3 (the version
/// libmimalloc-sys 0.1 builds by default), which the crate does not export as a constant.
/// `tests/allocator.rs` fails if this stops naming the purge delay.
pub const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Tells mimalloc never to return freed pages to the kernel (`purge_delay = -1`). Harmless when
/// mimalloc is linked but not the global allocator.
pub fn keep_freed_pages() {
    // SAFETY: sets one integer option; mimalloc reads options without other preconditions.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) }
}
