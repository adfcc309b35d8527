//! The cache's own memory context: a child of TopMemoryContext, created once per backend.

use std::sync::OnceLock;

use pgrx::pg_sys;
use pgrx::PgMemoryContexts;

const CACHE_MIN_SIZE: usize = 0;
const CACHE_INIT_BLOCK: usize = 8 * 1024;
const CACHE_MAX_BLOCK: usize = 8 * 1024 * 1024;
const MAX_INLINE_BYTES: usize = 1024;

/// A `MemoryContext` handle that lives as long as the backend.
#[derive(Clone, Copy)]
pub struct CacheContext(pg_sys::MemoryContext);

// SAFETY: a backend is single-threaded; the handle never leaves the backend's main thread.
unsafe impl Send for CacheContext {}
unsafe impl Sync for CacheContext {}

static CACHE_CONTEXT: OnceLock<CacheContext> = OnceLock::new();

/// The dedicated cache context, created under TopMemoryContext on first use.
pub fn cache_context() -> pg_sys::MemoryContext {
    CACHE_CONTEXT
        .get_or_init(|| {
            // SAFETY: TopMemoryContext lives for the whole backend and the name is a static string.
            let ctx = unsafe {
                pg_sys::AllocSetContextCreateExtended(
                    pg_sys::TopMemoryContext,
                    b"pg_cache\0".as_ptr().cast(),
                    CACHE_MIN_SIZE,
                    CACHE_INIT_BLOCK,
                    CACHE_MAX_BLOCK,
                )
            };
            CacheContext(ctx)
        })
        .0
}

/// Runs `f` with the cache context as CurrentMemoryContext, then switches back.
pub fn in_cache_context<T>(f: impl FnOnce() -> T) -> T {
    let ctx = cache_context();
    // SAFETY: ctx is never deleted while the backend runs.
    let previous = unsafe { pg_sys::MemoryContextSwitchTo(ctx) };
    let result = f();
    unsafe { pg_sys::MemoryContextSwitchTo(previous) };
    result
}

/// Copies small values into the cache context; large ones are left to the caller.
pub fn copy_if_small(bytes: &[u8]) -> Option<*mut u8> {
    let previous = unsafe { pg_sys::MemoryContextSwitchTo(cache_context()) };
    if bytes.len() > MAX_INLINE_BYTES {
        return None;
    }
    // SAFETY: CurrentMemoryContext is the cache context here, so the copy lives until a reset.
    let dst = unsafe { pg_sys::palloc(bytes.len()) } as *mut u8;
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len()) };
    unsafe { pg_sys::MemoryContextSwitchTo(previous) };
    Some(dst)
}

/// Runs `f` in a short-lived child of the cache context and deletes it afterwards.
pub fn with_scratch_context<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: the parent outlives the child; the child is deleted before this returns.
    let scratch = unsafe {
        pg_sys::AllocSetContextCreateExtended(
            cache_context(),
            b"pg_cache scratch\0".as_ptr().cast(),
            CACHE_MIN_SIZE,
            CACHE_INIT_BLOCK,
            CACHE_INIT_BLOCK,
        )
    };
    let result = PgMemoryContexts::For(scratch).switch_to(|_| f());
    unsafe { pg_sys::MemoryContextDelete(scratch) };
    result
}

/// Frees everything allocated in the cache context. Nothing in Rust may still point into it.
pub fn reset_cache_context() {
    if let Some(ctx) = CACHE_CONTEXT.get() {
        unsafe { pg_sys::MemoryContextReset(ctx.0) };
    }
}

/// Makes `ctx` current by writing the global directly and returns the old one.
///
/// # Safety
/// `ctx` must be a live memory context, and the caller must restore the returned one.
pub unsafe fn set_current_context(ctx: pg_sys::MemoryContext) -> pg_sys::MemoryContext {
    let old = pg_sys::CurrentMemoryContext;
    pg_sys::CurrentMemoryContext = ctx;
    old
}
