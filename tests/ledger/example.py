"""Ledger entries and their exact file text, shared by the ledger tests: ``ENTRY``/``TEXT`` as
schema 1 wrote them (before review units, still read and written back byte for byte), and
``UNIT_ENTRY``/``UNIT_TEXT`` as schema 2 wrote a unit's sign-off, with its members, and
``CONTRACT_ENTRY``/``CONTRACT_TEXT`` as this version writes one, with its callees' contracts."""

from __future__ import annotations

import dataclasses

from unsafe_audit.ledger.entry import Answer, Entry, MemberUse, Verdict
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
    members=None,
    schema_version=1,
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

UNIT_ENTRY = dataclasses.replace(
    ENTRY,
    members=(
        MemberUse(SiteKind.PG_SYS_CALL, "AllocSetContextCreateExtended", "00de68a0fc035222"),
        MemberUse(SiteKind.PG_SYS_STATIC, "TopMemoryContext", "15929b4d0a1b2c3d"),
    ),
    schema_version=2,
)
UNIT_TEXT = TEXT.replace("schema_version: 1", "schema_version: 2").replace(
    "token_hash: 9a1b2c3d4e5f6071\n",
    "token_hash: 9a1b2c3d4e5f6071\n"
    "members:\n"
    "- {kind: pg_sys_call, name: AllocSetContextCreateExtended, token_hash: 00de68a0fc035222}\n"
    "- {kind: pg_sys_static, name: TopMemoryContext, token_hash: 15929b4d0a1b2c3d}\n",
)

CONTRACT_ENTRY = dataclasses.replace(
    UNIT_ENTRY, contracts=((16, "0a1b2c3d"), (17, "01234567"), (18, "4e5f6a7b")), schema_version=3
)
CONTRACT_TEXT = UNIT_TEXT.replace("schema_version: 2", "schema_version: 3").replace(
    "release:",
    # The all-digit digest is quoted, or YAML would read it back as a number.
    "contracts: {pg16: 0a1b2c3d, pg17: '01234567', pg18: 4e5f6a7b}\nrelease:",
)
