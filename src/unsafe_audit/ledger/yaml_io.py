"""Ledger entries as YAML: the exact text written, and the validating reader.

Keys are written in a fixed order with no volatile field (``reviewed_at`` is written once, at
sign-off), so re-running the tool never rewrites an entry, and a PR diff shows exactly what a
reviewer signed.

YAML is read through :mod:`unsafe_audit.safe_yaml` only (no aliases, no exotic tags, no
duplicate keys, every scalar conversion checked); a text with merge-conflict markers, invalid
YAML, an unknown ``schema_version`` or a bad field is a :class:`LedgerError` naming
``file:line``, never a traceback. The writer refuses text that is not valid UTF-8, so nothing it
writes is unreadable.
Older entries are brought up to date by :mod:`unsafe_audit.ledger.upgrades`, one schema version
at a time; an entry keeps the version it was written in, so its canonical text is unchanged.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from unsafe_audit import safe_yaml
from unsafe_audit.errors import LedgerError
from unsafe_audit.ledger.entry import (
    SCHEMA_VERSION,
    Answer,
    Entry,
    MemberUse,
    Verdict,
    is_site_id,
)
from unsafe_audit.ledger.upgrades import CONTRACTS_SINCE, MEMBERS_SINCE, upgrade_entry
from unsafe_audit.model import SiteId, SiteKind

_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(?: |$)", re.MULTILINE)

# Keys in the order they are written; the required ones must be present in every entry.
_REQUIRED = (
    "schema_version",
    "site",
    "kind",
    "path",
    "item",
    "token_hash",
    "release",
    "checklist",
    "tool",
    "reviewer",
    "reviewed_at",
    "lifetime_pattern",
    "answers",
    "justification",
)
_OPTIONAL = ("members", "contracts", "signature")
_MEMBER_KEYS = ("kind", "name", "token_hash")
_TOKEN_HASH = re.compile(r"[0-9a-f]{16}\Z")
_MAJOR_KEY = re.compile(r"pg([1-9][0-9])\Z")
_DIGEST = re.compile(r"[0-9a-f]{8}\Z")


# -- writing ---------------------------------------------------------------------------------------


class _Block(str):
    """A string always written as a ``|`` block scalar."""


class _Flow(dict[str, str]):
    """A small mapping written on one line: ``{answer: pass, note: ...}``."""


class _Dumper(yaml.SafeDumper):
    """Safe dumper for entries: block scalars for multi-line text, flow style for answers.

    A subclass, so the representers below never change how anything else dumps YAML.
    """


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if isinstance(value, _Block) or "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=style)


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", dict(value), flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Block, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow)


def clean_text(text: str) -> str:
    """``text`` as written in a block scalar: stripped, no trailing spaces, one final newline."""
    # Trailing spaces would force PyYAML out of block style; they carry no meaning anyway.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return "\n".join(lines) + "\n"


def _require_utf8(entry: Entry) -> None:
    """Refuse an entry holding text that cannot be written as UTF-8.

    Such text comes from bytes that were not UTF-8 to begin with (a command-line argument or a
    git config value, decoded with ``surrogateescape``); written, it would make an entry that
    nothing can read back.
    """
    fields: list[tuple[str, str | None]] = [
        (name.replace("_", " "), getattr(entry, name))
        for name in (*_REQUIRED[1:], "signature")
        if name not in ("kind", "answers")
    ]
    fields += [(f"the name of member {m.label}", m.name) for m in entry.members or ()]
    for item, answer in entry.answers:
        fields += [(f"the answer id {item!r}", item), (f"the note for {item}", answer.note)]
    for what, value in fields:
        if value is None:
            continue
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as e:
            char = ord(value[e.start])
            bad = (
                f"the byte 0x{char - 0xDC00:02x}"
                if 0xDC80 <= char <= 0xDCFF
                else f"the lone surrogate U+{char:04X}"
            )
            raise LedgerError(
                f"cannot write the entry of {entry.site}: {what} is not valid "
                f"UTF-8 text ({bad} at character {e.start + 1}); nothing was written"
            ) from e


def canonical_text(entry: Entry) -> str:
    """The entry's YAML without its signature: what is signed, and the start of the file.

    Raises :class:`LedgerError` for text that is not valid UTF-8 (see :func:`_require_utf8`).
    """
    _require_utf8(entry)
    answers: dict[str, _Flow] = {}
    for item, answer in entry.answers:
        value = _Flow(answer=answer.verdict.value)
        if answer.note:
            value["note"] = answer.note
        answers[item] = value
    data: dict[str, Any] = {
        # An entry read from an older file is written as it was read (a signature covers it).
        "schema_version": entry.schema_version,
        "site": entry.site,
        "kind": entry.kind.value,
        "path": entry.path,
        "item": entry.item,
        "token_hash": entry.token_hash,
    }
    if entry.members and entry.schema_version >= MEMBERS_SINCE:
        data["members"] = [
            _Flow(kind=m.kind.value, name=m.name, token_hash=m.token_hash) for m in entry.members
        ]
    if entry.contracts and entry.schema_version >= CONTRACTS_SINCE:
        # Sorted by major, one line: a new major or a changed digest is a one-line PR diff.
        data["contracts"] = _Flow({f"pg{major}": digest for major, digest in entry.contracts})
    data |= {
        "release": entry.release,
        "checklist": entry.checklist,
        "tool": entry.tool,
        "reviewer": entry.reviewer,
        "reviewed_at": entry.reviewed_at,
        "lifetime_pattern": entry.lifetime_pattern,
        "answers": answers,
        "justification": _Block(clean_text(entry.justification)),
    }
    text: str = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2
    )
    return text


def entry_text(entry: Entry) -> str:
    """The whole file of an entry: :func:`canonical_text` plus the signature, if any."""
    text = canonical_text(entry)
    if entry.signature:
        signature: dict[str, Any] = {"signature": _Block(clean_text(entry.signature))}
        text += yaml.dump(signature, Dumper=_Dumper, sort_keys=False, width=100)
    return text


# -- reading ---------------------------------------------------------------------------------------


class _Reader:
    """Reads one entry file, failing with ``file:line`` at the first problem."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: dict[str, int] = {}

    def fail(self, message: str, line: int = 1) -> LedgerError:
        return LedgerError(f"{self.name}:{line}: {message}")

    def at(self, key: str) -> int:
        return self.lines.get(key, 1)

    def parse(self, text: str, expected_id: str | None) -> Entry:
        conflict = _CONFLICT.search(text)
        if conflict is not None:
            line = text.count("\n", 0, conflict.start()) + 1
            raise self.fail(
                "merge-conflict marker in a ledger entry; resolve the conflict by hand "
                "(keep one reviewer's version), then run `unsafe-audit check` again",
                line,
            )
        try:
            node, data = safe_yaml.load(text, "a ledger entry")
        except safe_yaml.YamlProblem as e:
            raise self.fail(e.message, e.line) from e
        if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
            raise self.fail("a ledger entry must be a YAML mapping with schema_version and site")
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                self.lines.setdefault(key_node.value, key_node.start_mark.line + 1)
        return self.entry(data, expected_id)

    def entry(self, data: dict[str, Any], expected_id: str | None) -> Entry:
        version = data.get("schema_version")
        if "schema_version" not in data:
            raise self.fail("missing schema_version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 0:
            raise self.fail(
                f"schema_version must be a whole number, not {_show(version)}",
                self.at("schema_version"),
            )
        if version > SCHEMA_VERSION:
            raise self.fail(
                f"unknown schema_version {version} (this unsafe-audit reads up to "
                f"{SCHEMA_VERSION}); upgrade unsafe-audit to read this ledger",
                self.at("schema_version"),
            )
        for key, since in (("members", MEMBERS_SINCE), ("contracts", CONTRACTS_SINCE)):
            if version < since and key in data:
                says = f"needs schema_version {since} or later (this entry says {version})"
                raise self.fail(f"field {key!r} {says}", self.at(key))
        if version < SCHEMA_VERSION:
            if "pattern" in self.lines:  # schema 0's name for lifetime_pattern
                self.lines.setdefault("lifetime_pattern", self.lines["pattern"])
            data = upgrade_entry(data)
        for key in data:
            if key not in _REQUIRED and key not in _OPTIONAL:
                raise self.fail(
                    f"unknown field {_show(key)} (expected: {', '.join(_REQUIRED + _OPTIONAL)})",
                    self.at(str(key)),
                )
        for key in _REQUIRED:
            if key not in data:
                raise self.fail(f"missing required field {key!r}")
        site = data["site"]
        if not is_site_id(site):
            raise self.fail(
                f"field 'site' must be a site id of 16 lowercase hex digits, not {_show(site)}",
                self.at("site"),
            )
        if expected_id is not None and site != expected_id:
            raise self.fail(
                f"field 'site' is {site} but the file is named for {expected_id}; an entry's "
                "file name must be its site id",
                self.at("site"),
            )
        kind_value = self.text(data, "kind")
        try:
            kind = SiteKind(kind_value)
        except ValueError:
            raise self.fail(f"unknown site kind {_show(kind_value)}", self.at("kind")) from None
        signature = data.get("signature")
        if signature is not None and not isinstance(signature, str):
            raise self.fail("field 'signature' must be text", self.at("signature"))
        justification = self.text(data, "justification")
        # Schema 0 entries were read as schema 1 before there was a schema 2: their canonical
        # text is schema 1's.
        written_as = max(version, 1)
        members = self.members(data.get("members", [])) if version >= MEMBERS_SINCE else None
        contracts = self.contracts(data.get("contracts", {}))
        return Entry(
            site=SiteId(site),
            kind=kind,
            path=self.text(data, "path"),
            item=self.text(data, "item", allow_empty=True),
            token_hash=self.text(data, "token_hash"),
            release=self.text(data, "release"),
            checklist=self.text(data, "checklist"),
            tool=self.text(data, "tool"),
            reviewer=self.text(data, "reviewer"),
            reviewed_at=self.timestamp(data),
            lifetime_pattern=self.text(data, "lifetime_pattern"),
            answers=self.answers(data["answers"]),
            justification=justification.strip(),
            signature=signature,
            members=members,
            contracts=contracts,
            schema_version=written_as,
            origin=self.name,
        )

    def text(self, data: dict[str, Any], key: str, *, allow_empty: bool = False) -> str:
        value = data[key]
        if value is None and allow_empty:
            return ""
        if not isinstance(value, str) or (not value.strip() and not allow_empty):
            raise self.fail(
                f"field {key!r} must be non-empty text, not {_show(value)}", self.at(key)
            )
        return value

    def timestamp(self, data: dict[str, Any]) -> str:
        value = data["reviewed_at"]
        if hasattr(value, "strftime"):  # an unquoted timestamp, edited by hand
            stamp: str = value.strftime("%Y-%m-%dT%H:%M:%SZ")
            return stamp
        return self.text(data, "reviewed_at")

    def members(self, value: object) -> tuple[MemberUse, ...]:
        line = self.at("members")
        if not isinstance(value, list):
            raise self.fail("field 'members' must be a list of {kind, name, token_hash}", line)
        out: list[MemberUse] = []
        for member in value:
            if not isinstance(member, dict) or sorted(map(str, member)) != sorted(_MEMBER_KEYS):
                raise self.fail(
                    f"each of 'members' must be {{kind, name, token_hash}}, not {_show(member)}",
                    line,
                )
            try:
                kind = SiteKind(str(member["kind"]))
            except ValueError:
                kind = None
            if kind is None or not kind.is_pg_sys:
                given = _show(member["kind"])
                raise self.fail(
                    f"member kind must be pg_sys_call or pg_sys_static, not {given}", line
                )
            name, token_hash = member["name"], member["token_hash"]
            if not isinstance(name, str):
                raise self.fail(f"member name must be text, not {_show(name)}", line)
            if not isinstance(token_hash, str) or not _TOKEN_HASH.match(token_hash):
                raise self.fail(
                    f"member token_hash must be 16 lowercase hex digits, not {_show(token_hash)}",
                    line,
                )
            out.append(MemberUse(kind, name, token_hash))
        return tuple(out)

    def contracts(self, value: object) -> tuple[tuple[int, str], ...]:
        out: dict[int, str] = {}
        for key, digest in value.items() if isinstance(value, dict) else [(value, None)]:
            major = _MAJOR_KEY.match(key) if isinstance(key, str) else None
            if major is None or not isinstance(digest, str) or not _DIGEST.match(digest):
                raise self.fail(
                    "field 'contracts' must map majors to digests of 8 lowercase hex digits "
                    f"({{pg16: 1a2b3c4d}}), not {_show(key)}: {_show(digest)}",
                    self.at("contracts"),
                )
            out[int(major.group(1))] = digest
        return tuple(sorted(out.items()))

    def answers(self, value: object) -> tuple[tuple[str, Answer], ...]:
        line = self.at("answers")
        if not isinstance(value, dict) or not value:
            raise self.fail("field 'answers' must map checklist item ids to answers", line)
        out: list[tuple[str, Answer]] = []
        for item, answer in value.items():
            if not isinstance(item, str) or not isinstance(answer, dict):
                raise self.fail(f"answer for {_show(item)} must be {{answer: pass|fail|n/a}}", line)
            unknown = set(answer) - {"answer", "note"}
            if unknown:
                raise self.fail(
                    f"answer for {_show(item)}: unknown field {_show(min(map(str, unknown)))}", line
                )
            try:
                verdict = Verdict(str(answer.get("answer")))
            except ValueError:
                given = _show(answer.get("answer"))
                raise self.fail(
                    f"answer for {_show(item)} must be pass, fail or n/a, not {given}", line
                ) from None
            note = answer.get("note")
            if note is not None and not isinstance(note, str):
                raise self.fail(f"note for {_show(item)} must be text", line)
            out.append((item, Answer(verdict, note or None)))
        return tuple(out)


def _show(value: object) -> str:
    """``repr(value)`` for a message, cut short: the value comes from a file anyone can write."""
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "…"


def parse_entry(text: str, name: str, *, expected_id: str | None = None) -> Entry:
    """Validate one entry's YAML; ``name`` is used in errors, ``expected_id`` is the file's id."""
    return _Reader(name).parse(text, expected_id)
