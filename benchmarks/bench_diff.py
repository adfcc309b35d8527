"""Benchmark: `unsafe-audit diff` between two releases against a cold `scan` of one release.

    python benchmarks/bench_diff.py REPO --base TAG --head TAG [--repeat 3]

REPO is a git clone of a large real project with two releases about 10% apart, for example a
clone of pgcentralfoundation/pgrx with --base v0.12.2 --head v0.12.3 (3 of ~365 Rust files
differ, among them one 2.3 MB bindings file: 15% of the bytes). Both sides are read from git
objects, generated bindings included. Targets (issue 3): diff <= 1.3x a cold scan with an
empty cache, <= 0.2x with a warm cache.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Command, byte_compile_tool, row, run, run_interleaved


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("repo", type=Path)
    ap.add_argument("--base", required=True)
    ap.add_argument("--head", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    byte_compile_tool()
    tool = [sys.executable, "-m", "unsafe_audit"]
    scan = [
        *tool,
        "scan",
        str(args.repo),
        "--rev",
        args.head,
        "--include-generated",
        "--format",
        "json",
    ]
    diff = [
        *tool,
        "diff",
        str(args.repo),
        "--base",
        args.base,
        "--head",
        args.head,
        "--include-generated",
        "--format",
        "json",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        cold, warm = Path(tmp) / "cold", Path(tmp) / "warm"
        warm_env = {"XDG_CACHE_HOME": str(warm)}
        run(diff, env=warm_env, repeat=1)  # fill the warm cache with both sides
        m = run_interleaved(
            {
                "cold_scan": Command(scan, {"XDG_CACHE_HOME": str(cold)}, fresh=cold),
                "cold_diff": Command(diff, {"XDG_CACHE_HOME": str(cold)}, fresh=cold),
                "warm_diff": Command(diff, warm_env),
            },
            repeat=args.repeat,
        )
    cold_scan, cold_diff, warm_diff = m["cold_scan"], m["cold_diff"], m["warm_diff"]
    print(f"{args.repo}: {args.base} -> {args.head}")
    print(f"{'':34} {'wall':>9} {'ratio':>7}  {'peak RSS':>9}")
    print(row(f"scan --rev {args.head}, cold cache", cold_scan, cold_scan.seconds))
    print(row("diff, cold cache", cold_diff, cold_scan.seconds, "target <= 1.3x"))
    print(row("diff, warm cache", warm_diff, cold_scan.seconds, "target <= 0.2x"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
