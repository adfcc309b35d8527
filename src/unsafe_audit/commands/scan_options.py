"""Options every command that scans shares: --include-generated, --no-cache, --jobs."""

from __future__ import annotations

import argparse

from unsafe_audit.scan import Progress, ScanOptions


def add_scan_options(p: argparse.ArgumentParser) -> None:
    """Register the scan options on a subcommand's parser."""
    p.add_argument(
        "--include-generated",
        action="store_true",
        help="also scan generated files (bindgen output, @generated headers)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="ignore and do not update the result cache ($XDG_CACHE_HOME/unsafe-audit)",
    )
    p.add_argument("--jobs", type=int, default=None, help="worker processes (default: cores)")


def scan_options(args: argparse.Namespace, progress: Progress | None = None) -> ScanOptions:
    """The ScanOptions the parsed options ask for (``cache_dir`` is set by tests only)."""
    return ScanOptions(
        include_generated=getattr(args, "include_generated", False),
        use_cache=not getattr(args, "no_cache", False),
        cache_dir=getattr(args, "cache_dir", None),
        jobs=getattr(args, "jobs", None),
        progress=progress,
    )
