"""The audit ledger: one small YAML file per signed-off site, kept in the repository.

Each sign-off is ``<ledger dir>/<site id>.yaml`` (default ``.unsafe-audit/ledger``), so two
branches that sign off different sites touch different files and always merge cleanly, and a
PR diff shows one new file per review. Keys are written in a fixed order with no volatile field
(``reviewed_at`` is written once, at sign-off), so re-running the tool never rewrites an entry.

Safety rules, each with a test:

- YAML is read with the safe loader only; a file with merge-conflict markers, invalid YAML, an
  unknown ``schema_version`` or a bad field is a :class:`LedgerError` naming ``file:line``, and
  such a file is never overwritten;
- writes go to a temporary file in the same directory, then ``os.replace``: an interrupted write
  leaves the old entry intact;
- paths come only from validated site ids (16 hex digits) and from a ledger directory that must
  resolve inside the repository, so nothing in a ledger makes the tool write elsewhere.

Older entries are brought up to date by :func:`upgrade_entry`, one schema version at a time.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from unsafe_audit.errors import LedgerError
from unsafe_audit.model import SiteId, SiteKind

SCHEMA_VERSION = 1
"""The schema version this tool writes; older versions are upgraded on load."""
DEFAULT_LEDGER_DIR = ".unsafe-audit/ledger"
"""Where the ledger lives, relative to the repository root (``--ledger`` changes it)."""
SIGNATURE_NAMESPACE = "unsafe-audit"
"""The ``ssh-keygen -Y`` namespace of entry signatures, so a signature made for git or for
another tool cannot be passed off as a sign-off."""

_SITE_ID = re.compile(r"[0-9a-f]{16}\Z")
_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(?: |$)", re.MULTILINE)
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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
_OPTIONAL = ("signature",)


def is_site_id(value: object) -> bool:
    """True for a string that is a site id: exactly 16 lowercase hex digits."""
    return isinstance(value, str) and _SITE_ID.match(value) is not None


class Verdict(StrEnum):
    """A reviewer's answer to one checklist item. The values are part of the YAML contract."""

    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "n/a"


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer to one checklist item."""

    verdict: Verdict
    """pass, fail or n/a."""
    note: str | None = None
    """Why, when the reviewer wanted to say (a fail or an n/a usually deserves one)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One sign-off: who reviewed which site's code, for which release, with what answers."""

    site: SiteId
    """The site's fingerprint; also the file name."""
    kind: SiteKind
    """The site's kind when reviewed."""
    path: str
    """File of the site when reviewed (for people; not part of identity)."""
    item: str
    """Enclosing item of the site when reviewed (for people; not part of identity)."""
    token_hash: str
    """Hash of the code the reviewer saw: a different hash in head means the review is stale."""
    release: str
    """The revision reviewed: a tag, branch or short sha, or ``working tree of <rev>``."""
    checklist: str
    """``id@version`` of the checklist answered (``pgrx-ffi@1``; team parts joined by ``+``)."""
    tool: str
    """``unsafe-audit <version>`` that wrote the entry."""
    reviewer: str
    """``Name <email>``, from git config unless overridden."""
    reviewed_at: str
    """UTC time of the sign-off, ``YYYY-MM-DDTHH:MM:SSZ``."""
    lifetime_pattern: str
    """The lifetime pattern the reviewer named: ``borrow``, ``own``, ``pin`` or ``n/a``."""
    answers: tuple[tuple[str, Answer], ...]
    """Checklist item id and answer, in checklist order."""
    justification: str
    """Why the site is sound (or, with a fail answer, why it ships anyway)."""
    signature: str | None = None
    """Armored ``ssh-keygen -Y sign`` signature of :func:`canonical_text`, if signed."""
    origin: str = field(default="", compare=False)
    """The file the entry was read from (empty for a new entry), for messages."""

    @property
    def failed_items(self) -> tuple[str, ...]:
        """Ids of the items answered ``fail``."""
        return tuple(item for item, answer in self.answers if answer.verdict is Verdict.FAIL)

    @property
    def reviewer_email(self) -> str | None:
        """The address inside ``<...>`` of :attr:`reviewer`, if there is one."""
        match = re.search(r"<([^<>\s]+)>\s*\Z", self.reviewer)
        return match.group(1) if match else None


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


def _clean_text(text: str) -> str:
    # Trailing spaces would force PyYAML out of block style; they carry no meaning anyway.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return "\n".join(lines) + "\n"


def canonical_text(entry: Entry) -> str:
    """The entry's YAML without its signature: what is signed, and the start of the file."""
    answers: dict[str, _Flow] = {}
    for item, answer in entry.answers:
        value = _Flow(answer=answer.verdict.value)
        if answer.note:
            value["note"] = answer.note
        answers[item] = value
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "site": entry.site,
        "kind": entry.kind.value,
        "path": entry.path,
        "item": entry.item,
        "token_hash": entry.token_hash,
        "release": entry.release,
        "checklist": entry.checklist,
        "tool": entry.tool,
        "reviewer": entry.reviewer,
        "reviewed_at": entry.reviewed_at,
        "lifetime_pattern": entry.lifetime_pattern,
        "answers": answers,
        "justification": _Block(_clean_text(entry.justification)),
    }
    text: str = yaml.dump(
        data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2
    )
    return text


def entry_text(entry: Entry) -> str:
    """The whole file of an entry: :func:`canonical_text` plus the signature, if any."""
    text = canonical_text(entry)
    if entry.signature:
        signature: dict[str, Any] = {"signature": _Block(_clean_text(entry.signature))}
        text += yaml.dump(signature, Dumper=_Dumper, sort_keys=False, width=100)
    return text


# -- reading ---------------------------------------------------------------------------------------


def _v0_to_v1(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 0 (the prototype format) named the pattern ``pattern`` and wrote answers as bare
    strings (``ctx-owner: pass``); schema 1 writes ``{answer: pass, note: ...}`` mappings."""
    out = {("lifetime_pattern" if key == "pattern" else key): value for key, value in data.items()}
    answers = out.get("answers")
    if isinstance(answers, dict):
        out["answers"] = {
            item: {"answer": value} if isinstance(value, str) else value
            for item, value in answers.items()
        }
    out["schema_version"] = 1
    return out


_UPGRADES: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _v0_to_v1}
"""Schema version -> function that turns such an entry into the next version."""


def upgrade_entry(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a loaded entry up to :data:`SCHEMA_VERSION`, one version at a time.

    The caller has checked that ``data["schema_version"]`` is an int no newer than ours.
    """
    version = data["schema_version"]
    while version < SCHEMA_VERSION:
        data = _UPGRADES[version](data)
        version = data["schema_version"]
    return data


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
        loader = _SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            line = mark.line + 1 if mark is not None else 1
            raise self.fail(f"invalid YAML: {e.problem or e.context or 'malformed'}", line) from e
        except yaml.YAMLError as e:
            raise self.fail(f"invalid YAML: {e}") from e
        finally:
            loader.dispose()
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
                f"schema_version must be a whole number, not {version!r}", self.at("schema_version")
            )
        if version > SCHEMA_VERSION:
            raise self.fail(
                f"unknown schema_version {version} (this unsafe-audit reads up to "
                f"{SCHEMA_VERSION}); upgrade unsafe-audit to read this ledger",
                self.at("schema_version"),
            )
        if version < SCHEMA_VERSION:
            for old, new in (("pattern", "lifetime_pattern"),):
                if old in self.lines:
                    self.lines.setdefault(new, self.lines[old])
            data = upgrade_entry(data)
        for key in data:
            if key not in _REQUIRED and key not in _OPTIONAL:
                raise self.fail(
                    f"unknown field {key!r} (expected: {', '.join(_REQUIRED + _OPTIONAL)})",
                    self.at(str(key)),
                )
        for key in _REQUIRED:
            if key not in data:
                raise self.fail(f"missing required field {key!r}")
        site = data["site"]
        if not is_site_id(site):
            raise self.fail(
                f"field 'site' must be a site id of 16 lowercase hex digits, not {site!r}",
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
            raise self.fail(f"unknown site kind {kind_value!r}", self.at("kind")) from None
        signature = data.get("signature")
        if signature is not None and not isinstance(signature, str):
            raise self.fail("field 'signature' must be text", self.at("signature"))
        justification = self.text(data, "justification")
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
            origin=self.name,
        )

    def text(self, data: dict[str, Any], key: str, *, allow_empty: bool = False) -> str:
        value = data[key]
        if value is None and allow_empty:
            return ""
        if not isinstance(value, str) or (not value.strip() and not allow_empty):
            raise self.fail(f"field {key!r} must be non-empty text, not {value!r}", self.at(key))
        return value

    def timestamp(self, data: dict[str, Any]) -> str:
        value = data["reviewed_at"]
        if hasattr(value, "strftime"):  # an unquoted timestamp, edited by hand
            stamp: str = value.strftime("%Y-%m-%dT%H:%M:%SZ")
            return stamp
        return self.text(data, "reviewed_at")

    def answers(self, value: object) -> tuple[tuple[str, Answer], ...]:
        line = self.at("answers")
        if not isinstance(value, dict) or not value:
            raise self.fail("field 'answers' must map checklist item ids to answers", line)
        out: list[tuple[str, Answer]] = []
        for item, answer in value.items():
            if not isinstance(item, str) or not isinstance(answer, dict):
                raise self.fail(f"answer for {item!r} must be {{answer: pass|fail|n/a}}", line)
            unknown = set(answer) - {"answer", "note"}
            if unknown:
                raise self.fail(f"answer for {item!r}: unknown field {sorted(unknown)[0]!r}", line)
            try:
                verdict = Verdict(str(answer.get("answer")))
            except ValueError:
                raise self.fail(
                    f"answer for {item!r} must be pass, fail or n/a, not {answer.get('answer')!r}",
                    line,
                ) from None
            note = answer.get("note")
            if note is not None and not isinstance(note, str):
                raise self.fail(f"note for {item!r} must be text", line)
            out.append((item, Answer(verdict, note or None)))
        return tuple(out)


def parse_entry(text: str, name: str, *, expected_id: str | None = None) -> Entry:
    """Validate one entry's YAML; ``name`` is used in errors, ``expected_id`` is the file's id."""
    return _Reader(name).parse(text, expected_id)


# -- the ledger directory --------------------------------------------------------------------------


def ledger_directory(root: Path, relative: str | None = None) -> Path:
    """The ledger directory for the repository at ``root``; refuses one outside the repository.

    ``relative`` (``--ledger``) is taken relative to ``root``; symlinks are resolved first, so a
    link pointing out of the repository is refused too.
    """
    rel = DEFAULT_LEDGER_DIR if relative is None else relative
    base = root.resolve()
    target = (base / rel).resolve()
    if target == base or base not in target.parents:
        raise LedgerError(
            f"ledger directory {rel!r} resolves to {target}, which is not inside the "
            f"repository {base}; give a directory inside it, such as {DEFAULT_LEDGER_DIR}"
        )
    return target


@dataclass
class Ledger:
    """Every entry of one ledger directory, read and validated up front."""

    directory: Path
    """The directory holding ``<site id>.yaml`` files (it may not exist yet)."""
    entries: dict[SiteId, Entry]
    """Entries by site id."""
    display: str = ""
    """How to name the directory in messages (relative to the repository)."""

    @classmethod
    def load(cls, root: Path, relative: str | None = None) -> Ledger:
        """Read every entry under the ledger directory of the repository at ``root``.

        Files whose name is not ``<16 hex digits>.yaml`` are an error (they would be silently
        ignored otherwise); files not ending in ``.yaml`` (a README) are left alone.
        """
        directory = ledger_directory(root, relative)
        display = relative if relative is not None else DEFAULT_LEDGER_DIR
        entries: dict[SiteId, Entry] = {}
        if not directory.exists():
            return cls(directory, entries, display)
        if not directory.is_dir():
            raise LedgerError(f"{display} is not a directory; the ledger is a directory of files")
        for path in sorted(directory.iterdir()):
            if path.suffix != ".yaml" or path.name.startswith("."):
                continue
            name = f"{display}/{path.name}"
            if not is_site_id(path.stem):
                raise LedgerError(
                    f"{name}:1: not a ledger entry name; entries are named <site id>.yaml "
                    "with a 16-hex-digit site id (move other files out of the ledger directory)"
                )
            entries[SiteId(path.stem)] = read_entry(path, name)
        return cls(directory, entries, display)

    def path_of(self, site: str) -> Path:
        """The file of ``site``'s entry. Refuses anything that is not a site id."""
        if not is_site_id(site):
            raise LedgerError(f"{site!r} is not a site id (16 lowercase hex digits)")
        return self.directory / f"{site}.yaml"

    def save(self, entry: Entry) -> Path:
        """Write ``entry`` atomically; returns its path. An existing invalid file is kept."""
        target = self.path_of(entry.site)
        name = f"{self.display}/{target.name}"
        if target.exists():
            read_entry(target, name)  # raises on a conflicted or invalid file: never overwrite it
        write_atomically(target, entry_text(entry), name)
        saved = replace(entry, origin=name)
        self.entries[entry.site] = saved
        return target

    def remove(self, site: str) -> None:
        """Delete ``site``'s entry file."""
        target = self.path_of(site)
        try:
            target.unlink()
        except FileNotFoundError:
            pass
        except OSError as e:
            raise LedgerError(
                f"{self.display}/{target.name}: cannot delete: {e.strerror or e}"
            ) from e
        self.entries.pop(SiteId(site), None)


def read_entry(path: Path, name: str) -> Entry:
    """Read and validate one entry file (its name must be ``<site id>.yaml``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise LedgerError(f"{name}:1: not UTF-8 text: {e.reason}") from e
    except OSError as e:
        raise LedgerError(f"{name}: cannot read: {e.strerror or e}") from e
    return parse_entry(text, name, expected_id=path.stem)


def write_atomically(target: Path, text: str, name: str) -> None:
    """Write ``text`` to a temporary file beside ``target``, then rename it over ``target``.

    Readers see the old file or the new one, never half of one, and an interrupted or failed
    write leaves the old file as it was.
    """
    directory = target.parent
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".yaml")
    except PermissionError as e:
        raise LedgerError(
            f"{name}: the ledger directory {directory} is read-only ({e.strerror}); nothing "
            "was written; make it writable or give another --ledger directory"
        ) from e
    except OSError as e:
        raise LedgerError(f"{name}: cannot write the ledger: {e.strerror or e}") from e
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise LedgerError(
                f"{name}: cannot write the entry ({e.strerror or e}); the old file is unchanged"
            ) from e
        raise


# -- signatures ------------------------------------------------------------------------------------


def sign_entry(entry: Entry, key: Path) -> Entry:
    """``entry`` with a signature of its canonical text made by ``ssh-keygen -Y sign``."""
    with tempfile.TemporaryDirectory(prefix="unsafe-audit-sign-") as tmp:
        data = Path(tmp, "entry.yaml")
        data.write_text(canonical_text(entry), encoding="utf-8")
        result = _ssh_keygen(
            "-Y", "sign", "-n", SIGNATURE_NAMESPACE, "-f", str(key), str(data), action="sign"
        )
        if result.returncode != 0:
            raise LedgerError(
                f"cannot sign with {key}: {result.stderr.strip() or 'ssh-keygen failed'}"
            )
        signature = Path(f"{data}.sig").read_text(encoding="utf-8")
    return replace(entry, signature=signature)


def signature_problem(entry: Entry, allowed_signers: Path) -> str | None:
    """Why ``entry``'s signature does not hold (None when it verifies), as git verifies commits:
    the reviewer's email is the principal looked up in ``allowed_signers``."""
    if not entry.signature:
        return "not signed"
    email = entry.reviewer_email
    if email is None:
        return f"reviewer {entry.reviewer!r} has no <email> to look up in allowed_signers"
    with tempfile.TemporaryDirectory(prefix="unsafe-audit-verify-") as tmp:
        sig = Path(tmp, "entry.sig")
        sig.write_text(_clean_text(entry.signature), encoding="utf-8")
        result = _ssh_keygen(
            "-Y",
            "verify",
            "-f",
            str(allowed_signers),
            "-I",
            email,
            "-n",
            SIGNATURE_NAMESPACE,
            "-s",
            str(sig),
            action="verify",
            stdin=canonical_text(entry),
        )
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        return f"signature does not verify for {email}" + (f": {detail[-1]}" if detail else "")
    return None


def _ssh_keygen(
    *args: str, action: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["ssh-keygen", *args],
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError as e:
        raise LedgerError(
            f"cannot {action} entries: ssh-keygen is not installed (it comes with OpenSSH)"
        ) from e


def iter_entries(ledger: Ledger) -> Iterator[Entry]:
    """Entries in site-id order."""
    for site in sorted(ledger.entries):
        yield ledger.entries[site]
