"""The adoption baseline: sites accepted without review when unsafe-audit was adopted.

- :mod:`~unsafe_audit.exemptions.model`: the exemptions as pure values and the rules that apply
  them to a review state (which sites they cover, which are no longer needed, what ``adopt``
  adds); importing it loads no YAML, git or parser;
- :mod:`~unsafe_audit.exemptions.yaml_io`: the file (``.unsafe-audit/exemptions.yaml``): its
  exact text, the validating reader, path safety and the atomic compare-and-swap write.

Nothing is re-exported here, so importing the pure model stays cheap.
"""
