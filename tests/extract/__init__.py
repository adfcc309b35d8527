"""Tests of site extraction (unsafe_audit.extract)."""
