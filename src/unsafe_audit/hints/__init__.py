"""Static hints: what the code already shows a reviewer, one rule per module.

A hint (:class:`~unsafe_audit.hints.interface.Hint`, a pure value) is evidence with a file and
line, never a sign-off. Each rule (:class:`~unsafe_audit.hints.rule.HintRule`) reads one parsed
file; :mod:`unsafe_audit.hints.registry` lists the rules and runs them over a scan. This package
imports nothing on its own, so the value can be used without loading the parser.
"""
