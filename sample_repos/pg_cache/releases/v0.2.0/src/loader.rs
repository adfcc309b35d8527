//! Warming the cache from a table: through pgrx's SPI client, or with raw SPI calls.

use pgrx::prelude::*;

/// Loads `key, value` rows from `table` with pgrx's SPI client; each value is copied out.
pub fn warm_from(table: &str) -> usize {
    let query = format!("SELECT key::text, value::text FROM {table}");
    Spi::connect(|client| {
        let mut loaded = 0;
        for row in client.select(&query, None, &[]).unwrap() {
            let key: Option<String> = row.get(1).unwrap();
            let value: Option<String> = row.get(2).unwrap();
            if let (Some(k), Some(v)) = (key, value) {
                if crate::store::put(k, v) {
                    loaded += 1;
                }
            }
        }
        loaded
    })
}

/// Counts the rows a query returns, with raw SPI calls.
///
/// The tuple table lives in SPI's own memory context until `SPI_finish`, so only the count
/// leaves this function.
pub fn count_raw(query: &str) -> u64 {
    let sql = std::ffi::CString::new(query).expect("query has no NUL byte");
    unsafe {
        if pgrx::pg_sys::SPI_connect() < 0 {
            return 0;
        }
        let rc = pg_sys::SPI_execute(sql.as_ptr(), true, 0);
        let processed = if rc > 0 && !pg_sys::SPI_tuptable.is_null() {
            pg_sys::SPI_processed
        } else {
            0
        };
        ::pgrx::pg_sys::SPI_finish();
        processed
    }
}
