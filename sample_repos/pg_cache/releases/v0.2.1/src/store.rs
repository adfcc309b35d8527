//! Key/value storage. Keys and values are Rust-owned `String`s, never borrowed from a context.

use std::collections::HashMap;
use std::sync::Mutex;

use pgrx::pg_sys::{palloc, pfree as pg_free};

static STORE: Mutex<Option<HashMap<String, String>>> = Mutex::new(None);
static CAPACITY: Mutex<usize> = Mutex::new(1024);

/// Frees each non-null palloc'd pointer it is given, in order.
macro_rules! pfree_each {
    ($($ptr:expr),* $(,)?) => {
        $(
            let p = $ptr;
            if !p.is_null() {
                // SAFETY: every caller passes pointers palloc'd in a context that is still alive.
                unsafe { pgrx::pg_sys::pfree(p.cast()) };
            }
        )*
    };
}

/// Values the cache can rebuild from the raw bytes it stored.
///
/// # Safety
/// Implementors must accept any byte pattern of length `WIDTH`.
pub unsafe trait FixedWidth: Copy {
    const WIDTH: usize;

    /// Reads a value from `ptr`.
    ///
    /// # Safety
    /// `ptr` must point to at least `WIDTH` readable bytes.
    unsafe fn read_from(ptr: *const u8) -> Self;
}

unsafe impl FixedWidth for i64 {
    const WIDTH: usize = 8;

    unsafe fn read_from(ptr: *const u8) -> Self {
        std::ptr::read_unaligned(ptr.cast::<i64>())
    }
}

pub fn set_capacity(entries: usize) {
    *CAPACITY.lock().unwrap() = entries;
}

pub fn get(key: &str) -> Option<String> {
    STORE.lock().unwrap().as_ref().and_then(|map| map.get(key).cloned())
}

pub fn put(key: String, value: String) -> bool {
    if key.contains('\0') {
        pgrx::warning!("pg_cache: refusing an unsafe key that contains a NUL byte");
        return false;
    }
    let capacity = *CAPACITY.lock().unwrap();
    let mut guard = STORE.lock().unwrap();
    let map = guard.get_or_insert_with(HashMap::new);
    if map.len() >= capacity && !map.contains_key(&key) {
        return false;
    }
    map.insert(key, value);
    true
}

pub fn clear() {
    if let Some(map) = STORE.lock().unwrap().as_mut() {
        map.clear();
    }
}

pub fn remove(key: &str) -> bool {
    STORE.lock().unwrap().as_mut().is_some_and(|map| map.remove(key).is_some())
}

pub fn capacity() -> usize {
    *CAPACITY.lock().unwrap()
}

pub fn len() -> usize {
    STORE.lock().unwrap().as_ref().map_or(0, HashMap::len)
}

/// Round-trips `value` through palloc'd scratch memory and returns a Rust-owned copy.
pub fn scratch_copy(value: &str) -> String {
    // SAFETY: palloc raises an ERROR rather than return NULL; the buffer is freed below.
    let buf = unsafe { palloc(value.len() + 1) } as *mut u8;
    let owned = unsafe {
        std::ptr::copy_nonoverlapping(value.as_ptr(), buf, value.len());
        *buf.add(value.len()) = 0;
        String::from_utf8_lossy(std::slice::from_raw_parts(buf, value.len())).into_owned()
    };
    unsafe { pg_free(buf.cast()) };
    owned
}

/// Allocates two scratch buffers, reads a counter from the first one and frees both.
pub fn scratch_counter(a: usize, b: usize) -> i64 {
    let first = unsafe { palloc(a.max(8)) } as *mut u8;
    let second = unsafe { palloc(b) } as *mut u8;
    let value = unsafe { i64::read_from(first) };
    pfree_each!(first, second);
    value
}
