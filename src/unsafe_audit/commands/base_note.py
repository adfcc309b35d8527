"""The line ``diff`` and ``check`` print on stderr: which base the comparison used, and why."""

from __future__ import annotations

import sys

from unsafe_audit.compare import Comparison
from unsafe_audit.report.escape import terminal_line


def say_base(comparison: Comparison) -> None:
    """``unsafe-audit: comparing working tree with v0.2.1: v0.2.1 is the highest ...``"""
    choice = f"comparing {comparison.head.label} with {comparison.base.label}: {comparison.reason}"
    print(f"unsafe-audit: {terminal_line(choice)}", file=sys.stderr)
