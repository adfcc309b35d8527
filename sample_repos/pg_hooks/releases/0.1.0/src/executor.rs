//! An ExecutorStart hook that counts the queries this backend runs.

use std::sync::atomic::{AtomicU64, Ordering};

use pgrx::pg_guard;
use pgrx::pg_sys as sys;

/// An ExecutorStart hook, spelled out. This is a fn-pointer type, not an unsafe site.
type StartHook = Option<unsafe extern "C-unwind" fn(*mut sys::QueryDesc, i32)>;

static QUERIES: AtomicU64 = AtomicU64::new(0);
static mut PREV_EXECUTOR_START: StartHook = None;

pub fn query_count() -> u64 {
    QUERIES.load(Ordering::Relaxed)
}

/// Installs the hook and remembers the previous one so that it can be chained.
///
/// # Safety
/// Call once, from `_PG_init`, before any query runs.
pub unsafe fn install() {
    PREV_EXECUTOR_START = sys::ExecutorStart_hook;
    sys::ExecutorStart_hook = Some(pg_hooks_executor_start);
}

#[pg_guard]
unsafe extern "C-unwind" fn pg_hooks_executor_start(query_desc: *mut sys::QueryDesc, eflags: i32) {
    QUERIES.fetch_add(1, Ordering::Relaxed);
    match PREV_EXECUTOR_START {
        Some(prev) => prev(query_desc, eflags),
        None => sys::standard_ExecutorStart(query_desc, eflags),
    }
}
