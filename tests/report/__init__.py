"""Tests of the output contracts in ``unsafe_audit.report``: one module per renderer family."""
