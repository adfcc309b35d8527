"""One ledger entry and its exact file text, shared by the ledger tests."""

from __future__ import annotations

from unsafe_audit.ledger.entry import Answer, Entry, Verdict
from unsafe_audit.model import SiteId, SiteKind

SITE = SiteId("3f9c2a1b7d0e4c55")
ENTRY = Entry(
    site=SITE,
    kind=SiteKind.UNSAFE_BLOCK,
    path="src/cache.rs",
    item="cache::Cache::get",
    token_hash="9a1b2c3d4e5f6071",
    release="v0.3.0",
    checklist="pgrx-ffi@1",
    tool="unsafe-audit 0.1.0",
    reviewer="Ada Example <ada@example.com>",
    reviewed_at="2026-11-24T15:04:05Z",
    lifetime_pattern="own",
    answers=(
        ("ctx-owner", Answer(Verdict.PASS)),
        ("null-check", Answer(Verdict.NOT_APPLICABLE, "no pointer returned")),
    ),
    justification="The value is copied into a Rust String\nbefore the per-tuple context resets.",
)
TEXT = """\
schema_version: 1
site: 3f9c2a1b7d0e4c55
kind: unsafe_block
path: src/cache.rs
item: cache::Cache::get
token_hash: 9a1b2c3d4e5f6071
release: v0.3.0
checklist: pgrx-ffi@1
tool: unsafe-audit 0.1.0
reviewer: Ada Example <ada@example.com>
reviewed_at: '2026-11-24T15:04:05Z'
lifetime_pattern: own
answers:
  ctx-owner: {answer: pass}
  null-check: {answer: n/a, note: no pointer returned}
justification: |
  The value is copied into a Rust String
  before the per-tuple context resets.
"""
NAME = ".unsafe-audit/ledger/3f9c2a1b7d0e4c55.yaml"
