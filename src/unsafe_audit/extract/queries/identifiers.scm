; Bare identifiers: only run on buffers where pg_sys statics may be imported by name or glob.
(identifier) @pg.ident
