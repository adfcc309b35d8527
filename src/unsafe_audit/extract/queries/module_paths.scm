; A path that reaches an item through a module segment, run where that segment's name
; (`pg_sys`, or an alias of it) occurs. @keyword is the segment; @path is the whole path.

; `pg_sys::palloc`
(scoped_identifier path: (identifier) @keyword) @path
; `pgrx::pg_sys::palloc`, `::pgrx::pg_sys::palloc`, `crate::pg_sys::palloc`
(scoped_identifier path: (scoped_identifier name: (identifier) @keyword)) @path

; A `use` declaration the segment appears in (imports of pg_sys and its names).
(use_declaration) @use
