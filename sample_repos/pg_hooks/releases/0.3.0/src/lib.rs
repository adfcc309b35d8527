//! pg_hooks: executor and planner hooks that count queries and log slow plans.

use pgrx::prelude::*;

mod bgworker;
mod executor;
mod generated_oids;
mod planner;

pgrx::pg_module_magic!();

/// Installs the hooks and registers the statistics worker.
#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    // SAFETY: _PG_init runs once per process, before any query can reach the hooks.
    unsafe {
        executor::install();
        planner::PREV_PLANNER = pg_sys::planner_hook;
        pg_sys::planner_hook = Some(planner::pg_hooks_planner);
    }
    bgworker::register();
}

#[pg_extern]
fn hooks_query_count() -> i64 {
    executor::query_count() as i64
}

/// Raises an ERROR unless the caller is a superuser.
#[pg_extern]
fn hooks_require_superuser() {
    if !unsafe { pg_sys::superuser() } {
        error!(
            "pg_hooks: role {} is not a superuser",
            unsafe { pg_sys::GetUserId() }.as_u32()
        );
    }
}

#[pg_extern]
fn hooks_catalog_oid() -> i64 {
    generated_oids::PG_CLASS_RELATION_ID as i64
}
