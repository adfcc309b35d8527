"""``--exemptions PATH``, for every command that reads the adoption exemptions file."""

from __future__ import annotations

import argparse

from unsafe_audit.exemptions.model import DEFAULT_EXEMPTIONS_PATH


def add_exemptions_option(p: argparse.ArgumentParser) -> None:
    """Register ``--exemptions PATH`` (relative to the repository root; None means the
    configuration's ``exemptions`` key, else the default)."""
    p.add_argument(
        "--exemptions",
        metavar="PATH",
        help=(
            "the adoption exemptions file, relative to the repository root (default: "
            f"'exemptions' in .unsafe-audit/config.yaml, else {DEFAULT_EXEMPTIONS_PATH})"
        ),
    )
