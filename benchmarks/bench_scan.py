"""Benchmark: `unsafe-audit scan` against a bare single-process tree-sitter parse of the same files.

    python benchmarks/bench_scan.py PATH [--repeat 3] [--jobs N]

PATH is a large real tree, e.g. a checkout of pgcentralfoundation/pgrx (about 15 MB of Rust with
its generated bindings, which the benchmark includes with --include-generated). Prints cold
(empty cache), warm (cache filled by the previous run) and peak RSS, each against the bare parse
measured in the same run. Targets (issue 2): cold <= 1.0x, warm <= 0.1x, peak RSS <= 400 MB.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import row, run

BARE_PARSE = """
import sys, pathlib, os
import tree_sitter_rust
from tree_sitter import Language, Parser
parser = Parser(Language(tree_sitter_rust.language()))
root = pathlib.Path(sys.argv[1])
for dirpath, dirnames, filenames in os.walk(root):
    dirnames[:] = [d for d in dirnames if d != "target" and not d.startswith(".")]
    for name in filenames:
        if name.endswith(".rs"):
            parser.parse(pathlib.Path(dirpath, name).read_bytes())
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("path", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args()
    files = [p for p in args.path.rglob("*.rs") if "target" not in p.parts]
    size = sum(p.stat().st_size for p in files)
    print(f"{args.path}: {len(files)} .rs files, {size / 1e6:.1f} MB")
    bare = run([sys.executable, "-c", BARE_PARSE, str(args.path)], repeat=args.repeat)
    scan = [
        sys.executable,
        "-m",
        "unsafe_audit",
        "scan",
        str(args.path),
        "--include-generated",
        "--format",
        "json",
    ]
    if args.jobs:
        scan += ["--jobs", str(args.jobs)]
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        env = {"XDG_CACHE_HOME": str(cache)}
        cold = run(scan, env=env, repeat=args.repeat, fresh=cache)
        run(scan, env=env, repeat=1)  # fill the cache
        warm = run(scan, env=env, repeat=args.repeat)
    print(f"{'':34} {'wall':>9} {'ratio':>7}  {'peak RSS':>9}")
    print(row("bare tree-sitter parse (1 process)", bare, bare.seconds))
    print(row("scan, cold cache", cold, bare.seconds, "target <= 1.0x, RSS <= 400 MB"))
    print(row("scan, warm cache", warm, bare.seconds, "target <= 0.1x"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
