"""Options every command that scans shares: --include-generated, --no-cache, --jobs."""

from __future__ import annotations

import argparse
import sys

from unsafe_audit.scan import Progress, ScanOptions
from unsafe_audit.scan.workers import cpu_count


def job_count(text: str) -> int:
    """``--jobs N``: a whole number of at least 1 (argparse reports the error, exit 2)."""
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {jobs}")
    return jobs


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
    p.add_argument(
        "--jobs",
        type=job_count,
        default=None,
        metavar="N",
        help="worker processes, at most one per CPU (default: the CPUs, up to 4)",
    )


def scan_options(args: argparse.Namespace, progress: Progress | None = None) -> ScanOptions:
    """The ScanOptions the parsed options ask for (``cache_dir`` is set by tests only), with
    the configuration :func:`~unsafe_audit.commands.settings.apply_config` read, if it ran.

    More jobs than CPUs would only add processes fighting for the same cores (and a pull
    request's CI configuration could ask for thousands): the count is capped, and stderr says so.
    """
    jobs: int | None = getattr(args, "jobs", None)
    cpus = cpu_count()
    if jobs is not None and jobs > cpus:
        print(
            f"unsafe-audit: --jobs {jobs} is more than the {cpus} CPUs this process may use; "
            f"using {cpus}",
            file=sys.stderr,
        )
        jobs = cpus
    return ScanOptions(
        include_generated=getattr(args, "include_generated", False),
        use_cache=not getattr(args, "no_cache", False),
        cache_dir=getattr(args, "cache_dir", None),
        jobs=jobs,
        progress=progress,
        config=getattr(args, "config", None),
    )
