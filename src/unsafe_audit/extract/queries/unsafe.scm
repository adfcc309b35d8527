; What owns each `unsafe` keyword. The capture that is not @keyword names the role; the
; extractor runs this only at the byte offsets where the word `unsafe` occurs.

; Sites.
(unsafe_block "unsafe" @keyword) @unsafe_block
(function_item (function_modifiers "unsafe" @keyword)) @unsafe_fn
(function_signature_item (function_modifiers "unsafe" @keyword)) @unsafe_fn
(impl_item "unsafe" @keyword) @unsafe_impl
(trait_item "unsafe" @keyword) @unsafe_trait
(foreign_mod_item "unsafe" @keyword) @unsafe_extern_block

; `#[unsafe(no_mangle)]`: the attribute's path is the identifier `unsafe`.
(attribute (identifier) @keyword) @unsafe_attribute

; Not sites: a fn-pointer type such as `Option<unsafe extern "C" fn()>`, and a literal
; `unsafe` token that a macro_rules! matcher expects.
(function_type (function_modifiers "unsafe" @keyword)) @fn_pointer_type
(token_tree_pattern "unsafe" @keyword) @matcher_token

; Inside a token tree: `cfg_attr(.., unsafe(..))` in an attribute, a matcher, or a macro's
; arguments (those are re-parsed); the extractor looks at what holds the outermost tree.
(token_tree "unsafe" @keyword) @token_tree
