"""An independent count of `unsafe` sites, to check the extractor against on real code.

Counts every `unsafe` keyword token outside comments and string literals with the project's
small lexer (no tree-sitter), minus fn-pointer types (`unsafe fn(`, `unsafe extern "ABI" fn(`)
and literal `unsafe` tokens in macro_rules! matchers are not special-cased (rare; reported as a
difference if any). Each unsafe-keyword site the extractor reports sits on exactly one such token,
so the two numbers must be equal, file by file.

    python scripts/count_unsafe_tokens.py PATH [--include-generated]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from unsafe_audit.extract.tokens import tokenize
from unsafe_audit.scan import ScanOptions, scan_path
from unsafe_audit.scan.generated import is_generated


def count_tokens(text: str) -> int:
    toks = list(tokenize(text))
    count = 0
    for i, tok in enumerate(toks):
        if tok.kind != "ident" or tok.text != "unsafe":
            continue
        j = i + 1
        if j < len(toks) and toks[j].text == "extern":
            j += 1
            if j < len(toks) and toks[j].kind == "str":
                j += 1
        if j + 1 < len(toks) and toks[j].text == "fn" and toks[j + 1].text == "(":
            continue  # a fn-pointer type, not a site
        count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("path", type=Path)
    ap.add_argument("--include-generated", action="store_true")
    args = ap.parse_args(argv)
    root: Path = args.path
    options = ScanOptions(include_generated=args.include_generated, use_cache=False)
    result = scan_path(root, None, options)
    by_file: dict[str, int] = {}
    for site in result.sites:
        if site.kind.has_unsafe_keyword:
            by_file[site.path] = by_file.get(site.path, 0) + 1
    token_total = site_total = 0
    differences = 0
    for path in sorted(Path(result.root).rglob("*.rs")):
        rel = path.relative_to(result.root).as_posix()
        if "/target/" in f"/{rel}":
            continue
        data = path.read_bytes()
        if not args.include_generated and is_generated(data):
            continue
        tokens = count_tokens(data.decode("utf-8", "replace"))
        sites = by_file.get(rel, 0)
        token_total += tokens
        site_total += sites
        if tokens != sites:
            differences += 1
            print(f"DIFF {rel}: {tokens} unsafe tokens, {sites} unsafe sites")
    print(f"unsafe tokens (minus fn-pointer types): {token_total}")
    print(f"unsafe-keyword sites from scan:          {site_total}")
    print(f"files that differ: {differences}")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
