"""The audit ledger: one small YAML file per signed-off site, kept in the repository.

- :mod:`~unsafe_audit.ledger.entry`: the entry as a pure value (:class:`Entry`, :class:`Verdict`,
  :class:`Answer`, site-id and schema constants); importing it loads no YAML, git or parser;
- :mod:`~unsafe_audit.ledger.yaml_io`: the exact YAML written, the validating reader and the
  schema upgrades;
- :mod:`~unsafe_audit.ledger.store`: the ledger directory (:class:`Ledger`, path safety,
  bounded reads, atomic compare-and-swap saves) and :class:`GuardedLedger` for interactive
  reviews;
- :mod:`~unsafe_audit.ledger.lock`: the ``flock`` that makes one process at a time a writer;
- :mod:`~unsafe_audit.ledger.signing`: ``ssh-keygen -Y`` signatures of entries.

Nothing is re-exported here, so importing the pure entry model stays cheap.
"""
