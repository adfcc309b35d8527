"""Write a JSON document with one list entry per line: readable, diffable and fast.

``json.dump(..., indent=2)`` runs json's pure-Python encoder, which took most of a warm scan's
time on large trees; each entry is dumped by the C encoder instead.
"""

from __future__ import annotations

import json
from typing import Any, TextIO


def write_document(document: dict[str, Any], out: TextIO, list_key: str = "sites") -> None:
    """Write ``document``; the entries of ``document[list_key]`` go one per line, last."""
    head = {k: v for k, v in document.items() if k != list_key}
    out.write("{\n")
    for key, value in head.items():
        out.write(f"  {json.dumps(key)}: {json.dumps(value)},\n")
    entries = document.get(list_key, [])
    if not entries:
        out.write(f"  {json.dumps(list_key)}: []\n}}\n")
        return
    out.write(f"  {json.dumps(list_key)}: [\n    ")
    out.write(",\n    ".join(json.dumps(entry) for entry in entries))
    out.write("\n  ]\n}\n")
