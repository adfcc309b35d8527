; Token trees that may hide sites, since tree-sitter does not parse their contents.

; The arguments of a macro invocation, run where `!` is followed by a delimiter.
(macro_invocation "!" @keyword (token_tree) @macro_args)

; The right-hand side of each `macro_rules!` rule, run where `macro_rules` occurs.
(macro_definition "macro_rules!" @keyword (macro_rule right: (token_tree) @macro_body))
