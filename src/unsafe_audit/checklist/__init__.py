"""Review checklists: the questions a reviewer answers for each site.

- :mod:`~unsafe_audit.checklist.model`: frozen values (:class:`Checklist`, :class:`Item`,
  :class:`Section`, :class:`LifetimePattern`) and merging of team files; importing it loads
  no YAML;
- :mod:`~unsafe_audit.checklist.load`: the validating YAML loader and the checklist shipped with
  unsafe-audit (``pgrx-ffi``).

Nothing is re-exported here, so importing the model stays cheap.
"""
