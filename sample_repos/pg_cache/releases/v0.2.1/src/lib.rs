//! pg_cache: a per-backend key/value cache for PostgreSQL, built with pgrx.
//!
//! Keys and values are copied into Rust-owned `String`s before they are stored, so nothing in
//! the cache points into a memory context that PostgreSQL may reset. (The word unsafe in this
//! doc comment is prose, not code.)

use pgrx::prelude::*;

mod context;
mod loader;
mod store;

use context::cache_context;

pgrx::pg_module_magic!();

extern "C" {
    fn getpid() -> i32;
}

/// Called once when the library is loaded into a backend.
#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    let max = std::env::var("PG_CACHE_MAX_ENTRIES").unwrap_or_else(|_| "1024".into());
    store::set_capacity(max.parse::<usize>().unwrap());
    context::cache_context();
}

/// Returns a copy of the cached value; `key` is only borrowed for the duration of the call.
#[pg_extern]
fn cache_get(key: &str) -> Option<String> {
    store::get(key)
}

/// Stores copies of `key` and `value`: the text arguments live in the caller's memory context.
#[pg_extern]
fn cache_put(key: &str, value: &str) -> bool {
    store::put(key.to_owned(), value.to_string())
}

/// Empties the cache and frees everything palloc'd in its memory context.
#[pg_extern]
fn cache_clear() {
    store::clear();
    context::reset_cache_context();
}

/// Loads `key, value` rows from a table into the cache.
#[pg_extern]
fn cache_warm(table: &str) -> i64 {
    loader::warm_from(table) as i64
}

/// Removes one key. Reports a missing key through raw elog calls (kept from a C prototype).
#[pg_extern]
fn cache_evict(key: &str) -> bool {
    if store::remove(key) {
        return true;
    }
    unsafe {
        if pg_sys::errstart(pg_sys::WARNING as i32, std::ptr::null()) {
            pg_sys::errmsg_internal(b"pg_cache: no such key\0".as_ptr().cast());
            pg_sys::errfinish(b"lib.rs\0".as_ptr().cast(), 0, b"cache_evict\0".as_ptr().cast());
        }
    }
    false
}

/// Fails the statement when the cache is over capacity for this role.
#[pg_extern]
fn cache_check_capacity() {
    if store::len() > store::capacity() {
        error!(
            "pg_cache: over capacity for role {}",
            unsafe { pg_sys::GetUserId() }.as_u32()
        );
    }
}

#[pg_extern]
fn cache_stats() -> String {
    format!(
        "pg_cache: {} entries in database {} (pid {})",
        store::len(),
        unsafe { pg_sys::MyDatabaseId }.as_u32(),
        unsafe { getpid() }
    )
}

/// Copies `bytes` into memory owned by the cache context, so the copy lives until a reset.
pub fn copy_into_cache(bytes: &[u8]) -> *mut u8 {
    PgMemoryContexts::For(cache_context()).switch_to(|_| unsafe {
        let dst = pg_sys::palloc(bytes.len()) as *mut u8;
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len());
        dst
    })
}

/// Lets a C caller check which cache layout this library was built with.
#[no_mangle]
pub extern "C" fn pg_cache_abi_version() -> u32 {
    1
}
