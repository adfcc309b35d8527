"""How often each hint rule fires on a real tree, with a sample of what it flagged.

A hint earns its place by what it finds on real code and by how rarely it fires for nothing;
this prints both sides of that for every rule (or the ones named): the hints, the distinct
sites they attach to against all sites, the files, and the first few flagged lines to read.

    python scripts/hint_figures.py /tmp/pgrx
    python scripts/hint_figures.py /tmp/pgrx --rule drop-across-error --sample 20
    python scripts/hint_figures.py /tmp/pgrx --skip 'pgrx-pg-sys/' --json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from unsafe_audit.hints.registry import ALL_RULES, hints_for_scan
from unsafe_audit.scan import ScanOptions, scan_path
from unsafe_audit.source import Snapshot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path, help="tree to scan (a pgrx checkout, say)")
    parser.add_argument("--rule", action="append", default=[], help="only this rule id")
    parser.add_argument("--sample", type=int, default=5, help="flagged lines shown per rule")
    parser.add_argument("--skip", action="append", default=[], help="skip paths with this prefix")
    parser.add_argument("--json", action="store_true", help="counts as JSON")
    args = parser.parse_args(argv)

    result = scan_path(args.path, options=ScanOptions(use_cache=False))
    sites = [s for s in result.sites if not any(s.path.startswith(p) for p in args.skip)]
    root = Path(result.root)
    files = Snapshot(reader=lambda p: (root / p).read_bytes() if (root / p).is_file() else None)
    rules = [r for r in ALL_RULES if not args.rule or r.id in args.rule]
    found = hints_for_scan(sites, files, rules)
    every = [h for hs in found.by_site.values() for h in hs] + found.unattached

    counts: dict[str, dict[str, int]] = {}
    for rule in rules:
        mine = [h for h in every if h.hint_id == rule.id]
        places = {(h.path, h.line) for h in mine}
        counts[rule.id] = {
            "hints": len(places),
            "sites": len({sid for sid, hs in found.by_site.items() if any(h in mine for h in hs)}),
            "files": len({h.path for h in mine}),
        }
    if args.json:
        json.dump({"sites": len(sites), "rules": counts}, sys.stdout, indent=2)
        print()
        return 0
    print(f"{len(sites)} sites in {len({s.path for s in sites})} files under {result.root}")
    for rule in rules:
        c = counts[rule.id]
        share = 100 * c["sites"] / len(sites) if sites else 0.0
        print(
            f"\n{rule.id}: {c['hints']} places, {c['sites']} sites ({share:.1f}% of sites), "
            f"{c['files']} files"
        )
        seen: Counter[tuple[str, int]] = Counter()
        for h in sorted(every, key=lambda h: (h.path, h.line)):
            if h.hint_id != rule.id or seen[(h.path, h.line)]:
                continue
            seen[(h.path, h.line)] += 1
            if len(seen) > args.sample:
                break
            print(f"  {h.path}:{h.line}: {h.evidence.splitlines()[0][:100]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
