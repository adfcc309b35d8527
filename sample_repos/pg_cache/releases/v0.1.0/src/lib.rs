//! pg_cache: a per-backend key/value cache for PostgreSQL, built with pgrx.
//!
//! Keys and values are copied into Rust-owned `String`s before they are stored, so nothing in
//! the cache points into a memory context that PostgreSQL may reset. (The word unsafe in this
//! doc comment is prose, not code.)

use pgrx::prelude::*;

mod context;
mod spi_load;
mod store;

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
    spi_load::warm_from(table) as i64
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

/// Lets a C caller check which cache layout this library was built with.
#[no_mangle]
pub extern "C" fn pg_cache_abi_version() -> u32 {
    1
}
