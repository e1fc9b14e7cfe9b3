//! `allocator::PURGE_DELAY` is mimalloc's purge-delay option: mimalloc fills each option from
//! its `MIMALLOC_<NAME>` environment variable when the process starts, so a child started with
//! `MIMALLOC_PURGE_DELAY=1234` must read 1234 at that index; and `keep_freed_pages` sets it
//! to -1 (never purge).

use std::process::Command;

use unmask_runtime::allocator::{PURGE_DELAY, keep_freed_pages};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CHILD: &str = "UNMASK_ALLOCATOR_TEST_CHILD";

fn purge_delay() -> i64 {
    // SAFETY: reads one integer option.
    unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) as i64 }
}

#[test]
fn the_option_is_the_purge_delay_and_keep_freed_pages_turns_purging_off() {
    if std::env::var_os(CHILD).is_some() {
        println!("purge_delay={}", purge_delay());
        return;
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "the_option_is_the_purge_delay_and_keep_freed_pages_turns_purging_off",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("MIMALLOC_PURGE_DELAY", "1234")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "child failed: {stdout}");
    assert!(
        stdout.contains("purge_delay=1234"),
        "option {PURGE_DELAY} did not take MIMALLOC_PURGE_DELAY: {stdout}"
    );

    keep_freed_pages();
    assert_eq!(purge_delay(), -1);
}
