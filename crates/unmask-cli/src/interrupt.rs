//! Ctrl-C during `unmask train`: the first SIGINT (or SIGTERM) sets the flag the training
//! loop checks between optimizer steps, so the run checkpoints the step it reached and
//! stops cleanly (modeled on burn-train's Interrupter); a second one exits at once. The
//! handlers are signal-hook's.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// The exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub const INTERRUPTED_EXIT_CODE: u8 = 130;

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// The flag SIGINT and SIGTERM set, with the handlers installed (once per process).
/// On platforms without Unix signals the flag is never set.
pub fn ctrl_c_flag() -> Arc<AtomicBool> {
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        install(&flag);
        flag
    })
    .clone()
}

#[cfg(unix)]
fn install(flag: &Arc<AtomicBool>) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::flag::{register, register_conditional_shutdown};

    let signals = [SIGINT, SIGTERM];
    let installed = signals.iter().try_for_each(|&signal| {
        // Registered before the flag is set: it exits only on a signal that finds the flag
        // already set, the second one.
        register_conditional_shutdown(signal, INTERRUPTED_EXIT_CODE.into(), Arc::clone(flag))?;
        register(signal, Arc::clone(flag)).map(|_| ())
    });
    if let Err(error) = installed {
        eprintln!(
            "warning: no Ctrl-C handler ({error}): Ctrl-C stops training without a checkpoint"
        );
        return;
    }
    // The message comes from a thread signal-hook wakes, not from the handler itself.
    if let Ok(mut pending) = signal_hook::iterator::Signals::new(signals) {
        std::thread::spawn(move || {
            if pending.forever().next().is_some() {
                eprintln!(
                    "\ninterrupt: finishing the current step and checkpointing (Ctrl-C again to quit now)"
                );
            }
        });
    }
}

#[cfg(not(unix))]
fn install(_flag: &Arc<AtomicBool>) {}

/// Whether the flag was set (for tests and the exit status).
pub fn interrupted() -> bool {
    FLAG.get().is_some_and(|flag| flag.load(Ordering::SeqCst))
}
