"""``--ledger DIR``, for every command that reads or writes sign-offs."""

from __future__ import annotations

import argparse

from unsafe_audit.ledger.entry import DEFAULT_LEDGER_DIR


def add_ledger_option(p: argparse.ArgumentParser) -> None:
    """Register ``--ledger DIR`` (relative to the repository root; None means the default)."""
    p.add_argument(
        "--ledger",
        metavar="DIR",
        help=f"ledger directory relative to the repository root (default {DEFAULT_LEDGER_DIR})",
    )
