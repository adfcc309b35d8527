; An FFI declaration block, `extern "ABI" { .. }`, run where the word `extern` occurs.
(foreign_mod_item (extern_modifier "extern" @keyword)) @extern_block

; The modifiers of a fn or fn-pointer type with an ABI, `extern "C" fn`: the extractor keeps
; those of a fn definition (a body, no `unsafe`) as an extern fn. Rooted at the modifiers, the
; keyword's grandparent, as every pattern here is (see candidates.keyword_matches).
(function_modifiers (extern_modifier "extern" @keyword)) @extern_fn
