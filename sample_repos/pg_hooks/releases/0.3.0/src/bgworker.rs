//! A background worker that scans pg_class, plus helpers that name tables in log lines.

use std::ffi::{CStr, CString};
use std::time::Duration;

use pgrx::bgworkers::{BackgroundWorker, BackgroundWorkerBuilder, SignalWakeFlags};
use pgrx::prelude::*;

pub fn register() {
    BackgroundWorkerBuilder::new("pg_hooks catalog scanner")
        .set_function("pg_hooks_worker_main")
        .set_library("pg_hooks")
        .enable_spi_access()
        .load();
}

#[pg_guard]
#[no_mangle]
pub extern "C-unwind" fn pg_hooks_worker_main(_arg: pg_sys::Datum) {
    BackgroundWorker::attach_signal_handlers(SignalWakeFlags::SIGHUP | SignalWakeFlags::SIGTERM);
    BackgroundWorker::connect_worker_to_spi(Some("postgres"), None);
    while BackgroundWorker::wait_latch(Some(Duration::from_secs(10))) {
        let seen = BackgroundWorker::transaction(|| scan_catalog().unwrap());
        log!("pg_hooks: {seen} relations in {}", qualified_name("pg_catalog", "pg_class"));
    }
}

/// Counts pg_class rows with raw SPI. Tuples are only checked for NULL and never kept, because
/// SPI_finish frees the tuple table.
fn scan_catalog() -> Result<u64, String> {
    unsafe {
        if pg_sys::SPI_connect() < 0 {
            return Err("SPI_connect failed".into());
        }
        // A row limit keeps the tuple table small: it lives in SPI's context until SPI_finish.
        let rc = pg_sys::SPI_execute(b"SELECT relname FROM pg_class\0".as_ptr().cast(), true, 5000);
        if rc < 0 {
            pg_sys::SPI_finish();
            return Err(format!("SPI_execute returned {rc}"));
        }
        let table = pg_sys::SPI_tuptable;
        let mut seen = 0;
        for i in 0..pg_sys::SPI_processed as usize {
            if !(*(*table).vals.add(i)).is_null() {
                seen += 1;
            }
        }
        pg_sys::SPI_finish();
        Ok(seen)
    }
}

/// `schema.table`, quoted by PostgreSQL's own rules and copied into a Rust `String`.
pub fn qualified_name(schema: &str, table: &str) -> String {
    use pgrx::pg_sys::quote_identifier;
    let schema = CString::new(schema).unwrap();
    let table = CString::new(table).unwrap();
    // SAFETY: quote_identifier returns its argument or a palloc'd copy; both are copied out
    // before this function returns.
    unsafe {
        let s = CStr::from_ptr(quote_identifier(schema.as_ptr()));
        let t = CStr::from_ptr(quote_identifier(table.as_ptr()));
        format!("{}.{}", s.to_string_lossy(), t.to_string_lossy())
    }
}

/// A Rust-side quoting helper for log lines. Same name as the PostgreSQL function, not a
/// pg_sys call.
fn quote_identifier(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

pub fn log_role(role: &str) {
    let quoted = quote_identifier(role);
    log!("pg_hooks: worker runs as {quoted}, which is not unsafe");
}
