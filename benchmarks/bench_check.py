"""Benchmark: `unsafe-audit check` (with its hints) against a cold `scan` of the same work tree.

    python benchmarks/bench_check.py REPO --base TAG [--repeat 3] [--format markdown]

REPO is a git work tree of a large real project with a release tag to compare with, for
example pgrx at 0193fd0f with --base v0.12.5 (37 of its 365 Rust files differ). `check` scans
the release from git objects and the work tree from disk, judges every site, runs the hint
rules over the sites that block and renders the report; `scan` only reads and extracts the work
tree. Both skip generated bindings, as they do by default. Prints a cold check (no cache), a
warm check (the cache filled by a check before) and a warm scan, each against the cold scan
measured in the same run. Target (issue 12): a cold check within 1.5x a cold scan.
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
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--format", default="markdown", choices=["text", "json", "markdown", "sarif"])
    args = ap.parse_args()
    byte_compile_tool()
    tool = [sys.executable, "-m", "unsafe_audit"]
    repo = str(args.repo)
    scan = [*tool, "scan", repo]
    check = [*tool, "check", repo, "--base", args.base, "--format", args.format]
    with tempfile.TemporaryDirectory() as tmp:
        cold_cache, warm_cache = Path(tmp) / "cold", Path(tmp) / "warm"
        cold_env = {"XDG_CACHE_HOME": str(cold_cache)}
        warm_env = {"XDG_CACHE_HOME": str(warm_cache)}
        run(check, env=warm_env, repeat=1)  # fill the warm cache (sites and hints)
        run(scan, env=warm_env, repeat=1)  # and the stat index, as a scan leaves it
        m = run_interleaved(
            {
                "scan": Command([*scan, "--no-cache"], cold_env, fresh=cold_cache),
                "cold": Command([*check, "--no-cache"], cold_env, fresh=cold_cache),
                "warm": Command(check, warm_env),
                "warm scan": Command(scan, warm_env),
            },
            repeat=args.repeat,
        )
    base = m["scan"].seconds
    print(f"{args.repo}: check --base {args.base} --format {args.format}")
    print(f"{'':34} {'wall':>9} {'ratio':>7}  {'peak RSS':>9}")
    print(row("scan --no-cache (baseline)", m["scan"], base))
    print(row("check --no-cache", m["cold"], base, "target <= 1.5x"))
    print(row("check, warm cache", m["warm"], base))
    print(row("scan, warm cache", m["warm scan"], base, "(for context)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
