; Site candidates in one parsed buffer (a file, or a macro's token tree re-parsed).
; The extractor classifies each capture by its parent node; see extract/walker.py.

; Every `unsafe` keyword token, wherever the grammar put it: on items, blocks, fn-pointer types,
; and inside macro token trees (which the walker re-parses).
("unsafe") @unsafe.keyword

; `#[unsafe(no_mangle)]`: the grammar reads the attribute path `unsafe` as an identifier.
((attribute (identifier) @unsafe.attribute)
 (#eq? @unsafe.attribute "unsafe"))

; FFI declaration blocks, with or without `unsafe` (the walker tells them apart).
(foreign_mod_item) @site.extern_block

; Paths that may go through pg_sys: `pg_sys::f`, `pgrx::pg_sys::f`, `sys::f` after an alias.
(scoped_identifier
  path: (_) @pg.path
  name: (identifier) @pg.name) @pg.scoped

; Bare calls: pg_sys functions brought in by `use pgrx::pg_sys::{f, g as h}` or a glob.
(call_expression function: (identifier) @pg.bare_call)

; Import declarations, resolved by extract/imports.py.
(use_declaration) @pg.use

; Token trees the grammar leaves unparsed: macro arguments and macro_rules! bodies.
(macro_invocation (token_tree) @macro.args)
(macro_rule right: (token_tree) @macro.body)

; Local fns shadow glob-imported pg_sys names.
(function_item name: (identifier) @item.fn_name)
