//! Ctrl-C during `unmask train`: the first SIGINT (or SIGTERM) sets the flag the training
//! loop checks between optimizer steps, so the run checkpoints the step it reached and
//! stops cleanly (modeled on burn-train's Interrupter); a second one exits at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// The exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub const INTERRUPTED_EXIT_CODE: u8 = 130;

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// The flag SIGINT and SIGTERM set, with the handler installed (once per process).
/// On platforms without Unix signals the flag is never set.
pub fn ctrl_c_flag() -> Arc<AtomicBool> {
    let flag = FLAG
        .get_or_init(|| Arc::new(AtomicBool::new(false)))
        .clone();
    install();
    flag
}

#[cfg(unix)]
extern "C" fn on_signal(_signal: libc::c_int) {
    // Only async-signal-safe work here: atomic loads and stores, write(2) and _exit(2).
    if let Some(flag) = FLAG.get() {
        if flag.swap(true, Ordering::SeqCst) {
            // SAFETY: _exit is async-signal-safe.
            unsafe { libc::_exit(INTERRUPTED_EXIT_CODE as libc::c_int) };
        }
        let message = b"\ninterrupt: finishing the current step and checkpointing (Ctrl-C again to quit now)\n";
        // SAFETY: write(2) on stderr with a valid buffer is async-signal-safe.
        unsafe { libc::write(libc::STDERR_FILENO, message.as_ptr().cast(), message.len()) };
    }
}

#[cfg(unix)]
fn install() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let handler = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        for signal in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: installs a handler that does only async-signal-safe work.
            unsafe { libc::signal(signal, handler) };
        }
    });
}

#[cfg(not(unix))]
fn install() {}

/// Whether the flag was set (for tests and the exit status).
pub fn interrupted() -> bool {
    FLAG.get().is_some_and(|flag| flag.load(Ordering::SeqCst))
}
