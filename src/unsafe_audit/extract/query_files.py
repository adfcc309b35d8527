"""Where the extractor's tree-sitter queries live: ``.scm`` package data.

Kept apart from ``extract`` so that the scan can fold the queries into its cache key without
importing tree-sitter (a warm scan never loads it).
"""

from __future__ import annotations

from pathlib import Path

QUERY_DIR = Path(__file__).with_name("queries")
"""The directory of ``<name>.scm`` queries that ``extract.candidates`` compiles."""


def query_files() -> list[Path]:
    """Every query file, sorted by name."""
    return sorted(QUERY_DIR.glob("*.scm"))
