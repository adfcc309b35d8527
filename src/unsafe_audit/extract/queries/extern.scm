; An FFI declaration block, `extern "ABI" { .. }`, run where the word `extern` occurs.
(foreign_mod_item (extern_modifier "extern" @keyword)) @extern_block
