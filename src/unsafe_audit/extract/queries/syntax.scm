; What the syntax view of a file records, or what decides the context of what it records.
; Captured in C, so the walk in Python visits these nodes only, not every node of the tree.

; Owners (fns, closures), loops and unsafe blocks: what surrounds each node below.
; Then the facts: calls, macro invocations, derefs, exits, assignments, lets, index
; expressions, statics and type declarations.
[
  (function_item)
  (closure_expression)
  (loop_expression)
  (while_expression)
  (for_expression)
  (unsafe_block)
  (call_expression)
  (macro_invocation)
  (unary_expression)
  (return_expression)
  (try_expression)
  (break_expression)
  (continue_expression)
  (assignment_expression)
  (let_declaration)
  (index_expression)
  (static_item)
  (struct_item)
  (enum_item)
  (union_item)
  (type_item)
] @node

; Comments and literals, blanked in the code copy (in any order: they never nest in code).
[
  (line_comment)
  (block_comment)
  (string_literal)
  (raw_string_literal)
  (char_literal)
] @not_code
