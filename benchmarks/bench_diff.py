"""Benchmark: `unsafe-audit diff` between two releases against a cold `scan` of one release,
and the cost of choosing the base (no `--base`) against naming it.

    python benchmarks/bench_diff.py REPO --base TAG --head TAG [--repeat 3]

REPO is a git clone of a large real project with two releases about 10% apart, for example a
clone of pgcentralfoundation/pgrx with --base v0.12.2 --head v0.12.3 (3 of ~365 Rust files
differ, among them one 2.3 MB bindings file: 15% of the bytes). Both sides are read from git
objects, generated bindings included. Targets (issue 3): diff <= 1.3x a cold scan with an
empty cache, <= 0.2x with a warm cache.

The default base (issue 11): a warm diff without --base, which picks the previous release
itself, within 1.3x of the same warm diff given that base. Measured twice: for the tagged
head, and for an untagged commit (--untagged-head, default the head's parent), where the
choice has to place every later release tag in the commit graph (pgrx: ~96 tags, most of them
descendants of an old commit).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
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
    ap.add_argument(
        "--untagged-head",
        help="an untagged revision to time the default base for (default: HEAD_TAG^)",
    )
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    untagged = args.untagged_head or f"{args.head}^"
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
        chosen = _default_base(diff, untagged, warm_env)
        untagged_given = _with_head(diff, untagged, base=chosen)
        m = run_interleaved(
            {
                "cold_scan": Command(scan, {"XDG_CACHE_HOME": str(cold)}, fresh=cold),
                "cold_diff": Command(diff, {"XDG_CACHE_HOME": str(cold)}, fresh=cold),
                "warm_diff": Command(diff, warm_env),
                "warm_default": Command(_with_head(diff, args.head), warm_env),
                "untagged_given": Command(untagged_given, warm_env),
                "untagged_default": Command(_with_head(diff, untagged), warm_env),
            },
            repeat=args.repeat,
        )
    cold_scan, cold_diff, warm_diff = m["cold_scan"], m["cold_diff"], m["warm_diff"]
    print(f"{args.repo}: {args.base} -> {args.head}")
    print(f"{'':34} {'wall':>9} {'ratio':>7}  {'peak RSS':>9}")
    print(row(f"scan --rev {args.head}, cold cache", cold_scan, cold_scan.seconds))
    print(row("diff, cold cache", cold_diff, cold_scan.seconds, "target <= 1.3x"))
    print(row("diff, warm cache", warm_diff, cold_scan.seconds, "target <= 0.2x"))
    print("default base (ratio: without --base / with the same base given), warm cache")
    print(row(f"{args.head}, --base {args.base}", warm_diff, warm_diff.seconds))
    print(row(f"{args.head}, default base", m["warm_default"], warm_diff.seconds, "<= 1.3x"))
    given = m["untagged_given"]
    print(row(f"{untagged}, --base {chosen}", given, given.seconds))
    print(row(f"{untagged}, default base", m["untagged_default"], given.seconds, "<= 1.3x"))
    return 0


def _with_head(diff: list[str], head: str, base: str | None = None) -> list[str]:
    """``diff`` with another ``--head``, and ``--base`` replaced (or dropped when None)."""
    out: list[str] = []
    values = iter(diff)
    for arg in values:
        if arg in ("--base", "--head"):
            next(values)  # and its value
        else:
            out.append(arg)
    out += ["--head", head]
    if base is not None:
        out += ["--base", base]
    return out


def _default_base(diff: list[str], head: str, env: dict[str, str]) -> str:
    """The tag ``diff --head head`` picks by itself (this run also warms the cache for it)."""
    done = subprocess.run(
        _with_head(diff, head), capture_output=True, text=True, env={**os.environ, **env}
    )
    if done.returncode != 0:
        sys.exit(f"diff --head {head} failed:\n{done.stderr}")
    ref: str = json.loads(done.stdout)["base"]["ref"]
    return ref


if __name__ == "__main__":
    sys.exit(main())
