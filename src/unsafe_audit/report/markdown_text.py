"""Markdown code spans and fences that survive any content; they live with the other
sanitisers in :mod:`unsafe_audit.report.escape`, the one home of escaping, and are named here
too so that older imports keep working."""

from __future__ import annotations

from unsafe_audit.report.escape import code_span, fence

__all__ = ["code_span", "fence"]
