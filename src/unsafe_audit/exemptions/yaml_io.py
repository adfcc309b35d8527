"""The exemptions file, ``.unsafe-audit/exemptions.yaml``: its exact text, the validating
reader and the atomic write.

One line per site, sorted by site id, and nothing that changes on its own (no counts, no
dates), so a pull request's diff of the file is the list of sites it exempts or drops, and two
branches that drop different lines usually merge without a conflict::

    # (a few lines of comment)
    schema_version: 1
    exemptions:
    - {site: 04f485c8a1b2c3d4, kind: unsafe_impl, path: src/context.rs, release: v0.12.5}

The file comes from the repository under review, so it is read like a ledger entry: from the
work tree (never from ``.git``, never through a symbolic link out of the repository), a regular
file of at most :data:`MAX_EXEMPTIONS_BYTES`, through the bounded loader of
:mod:`unsafe_audit.safe_yaml`; every mistake is an :class:`ExemptionsError` naming ``file:line``
(exit 2), a merge conflict included. The text written is ASCII: any other character of a path
or release is a ``\\u`` escape, so nothing in the file can hide from a reviewer reading the diff.
Writes are atomic and compare-and-swap: the file is replaced only while it is as this process
read it.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from unsafe_audit import atomic, safe_yaml
from unsafe_audit.errors import LedgerError
from unsafe_audit.exemptions.model import DEFAULT_EXEMPTIONS_PATH, Exemption, Exemptions
from unsafe_audit.ledger import lock
from unsafe_audit.ledger.entry import is_site_id
from unsafe_audit.model import SiteId, SiteKind
from unsafe_audit.regular_file import KIB, UnreadableFile, read_regular_file

SCHEMA_VERSION = 1
"""The version of the file this tool writes and reads."""
MAX_EXEMPTIONS_BYTES = 16 * 1024 * KIB
"""The largest exemptions file read: about 150,000 lines of 110 bytes."""
MAX_FIELD_CHARS = 1_000
"""The longest path or release accepted."""
FILE_MODE = 0o666
"""The permissions of a new file before the umask, as for any file a tool creates."""

HEADER = """\
# Sites accepted without review when unsafe-audit was adopted (`unsafe-audit adopt`).
# `check` lets each pass while its code is unchanged; a changed site needs a sign-off.
# `unsafe-audit prune --apply` drops the lines of sites signed off or gone since.
# One line per site, sorted by site id; review changes to this file like code.
"""

_FIELDS = ("site", "kind", "path", "release")
_STR = "tag:yaml.org,2002:str"
_CONFLICT = re.compile(r"^(<{7}|={7}|>{7})(?: |$)", re.MULTILINE)
_PLAIN = re.compile(r"[A-Za-z0-9_./](?:[A-Za-z0-9_./+ -]*[A-Za-z0-9_./+-])?\Z")
# The tag YAML gives a plain scalar (``yes`` is a boolean, ``1.0`` a number); typed here
# because PyYAML's stubs leave the method unannotated.
_resolve: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = (
    yaml.resolver.Resolver().resolve
)


class ExemptionsError(LedgerError):
    """The exemptions file is invalid, conflicted, unsafe to read or could not be written."""


# -- writing ---------------------------------------------------------------------------------------


def _scalar(text: str) -> str:
    """``text`` as a YAML scalar on one line: plain when YAML reads it back as that text,
    else double-quoted with every character outside printable ASCII escaped."""
    if _PLAIN.match(text) and _resolve(yaml.ScalarNode, text, (True, False)) == _STR:
        return text
    # A name that was not UTF-8 (decoded with surrogateescape) keeps its bytes as \xNN text:
    # the path is for people, and a lone surrogate cannot be read back.
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def exemption_line(e: Exemption) -> str:
    """One exemption's line of the file (a site id of digits only is quoted: YAML would read
    it as a number)."""
    return (
        f"- {{site: {_scalar(e.site)}, kind: {e.kind.value}, path: {_scalar(e.path)}, "
        f"release: {_scalar(e.release)}}}\n"
    )


def exemptions_text(exemptions: Exemptions) -> str:
    """The whole file: a comment, the schema version and one line per site, sorted by id."""
    entries = exemptions.ordered()
    lines = [HEADER, f"schema_version: {SCHEMA_VERSION}\n"]
    lines.append("exemptions:\n" if entries else "exemptions: []\n")
    lines.extend(exemption_line(e) for e in entries)
    return "".join(lines)


# -- reading ---------------------------------------------------------------------------------------


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "…"


def parse_exemptions(text: str, name: str = DEFAULT_EXEMPTIONS_PATH) -> dict[SiteId, Exemption]:
    """Validate the file's text; ``name`` is used in errors (``file:line: ...``)."""

    def fail(line: int, message: str) -> ExemptionsError:
        return ExemptionsError(f"{name}:{line}: {message}")

    conflict = _CONFLICT.search(text)
    if conflict is not None:
        line = text.count("\n", 0, conflict.start()) + 1
        raise fail(
            line,
            "merge-conflict marker in the exemptions file; keep only the lines both sides "
            "kept (exemptions only shrink), then run the command again",
        )
    try:
        root, data = safe_yaml.load(text, "the exemptions file")
    except safe_yaml.YamlProblem as e:
        raise fail(e.line, e.message) from e
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        raise fail(
            safe_yaml.line_of(root),
            "the exemptions file must be a mapping with schema_version and exemptions, not "
            f"{safe_yaml.describe(root)}",
        )
    lines = {str(k.value): safe_yaml.line_of(k) for k, _ in root.value}
    for key in data:
        if key not in ("schema_version", "exemptions"):
            raise fail(
                lines.get(str(key), 1),
                f"unknown key {_show(key)} (expected schema_version, exemptions)",
            )
    version = data.get("schema_version")
    if "schema_version" not in data:
        raise fail(1, "missing schema_version")
    if version != SCHEMA_VERSION or isinstance(version, bool):
        raise fail(
            lines["schema_version"],
            f"unknown schema_version {_show(version)} (this unsafe-audit reads "
            f"{SCHEMA_VERSION}); upgrade unsafe-audit to read this file",
        )
    if "exemptions" not in data:
        raise fail(1, "missing exemptions (a list; `exemptions: []` for none)")
    nodes = next(v for k, v in root.value if k.value == "exemptions")
    values = data["exemptions"]
    if values is None:
        return {}
    if not isinstance(nodes, yaml.SequenceNode) or not isinstance(values, list):
        raise fail(
            safe_yaml.line_of(nodes),
            f"'exemptions' must be a list, not {safe_yaml.describe(nodes)}",
        )
    found: dict[SiteId, Exemption] = {}
    for node, value in zip(nodes.value, values, strict=True):
        exemption = _exemption(node, value, fail)
        first = found.get(exemption.site)
        if first is not None:
            raise fail(
                exemption.line,
                f"site {exemption.site} is exempted twice (first on line {first.line})",
            )
        found[exemption.site] = exemption
    return found


def _exemption(node: yaml.Node, value: Any, fail: Any) -> Exemption:
    line = safe_yaml.line_of(node)
    if not isinstance(value, dict):
        raise fail(
            line,
            "an exemption must be a mapping {site, kind, path, release}, not "
            f"{safe_yaml.describe(node)}",
        )
    for key in value:
        if key not in _FIELDS:
            raise fail(line, f"unknown field {_show(key)} (expected: {', '.join(_FIELDS)})")
    for key in _FIELDS:
        if key not in value:
            raise fail(line, f"an exemption needs {', '.join(_FIELDS)}; {key!r} is missing")
    site = value["site"]
    if not is_site_id(site):
        raise fail(line, f"'site' must be a site id of 16 lowercase hex digits, not {_show(site)}")
    try:
        kind = SiteKind(value["kind"])
    except ValueError:
        raise fail(line, f"unknown site kind {_show(value['kind'])}") from None
    texts: list[str] = []
    for key in ("path", "release"):
        text = value[key]
        if not isinstance(text, str) or not text.strip():
            raise fail(line, f"{key!r} must be non-empty text, not {_show(text)}")
        if len(text) > MAX_FIELD_CHARS:
            raise fail(line, f"{key!r} is longer than {MAX_FIELD_CHARS} characters")
        texts.append(text)
    return Exemption(SiteId(site), kind, texts[0], texts[1], line)


# -- the file --------------------------------------------------------------------------------------


def exemptions_path(root: Path, relative: str, *, git_dirs: tuple[Path, ...] = ()) -> Path:
    """Where the file ``relative`` (to ``root``) is; refuses a place outside the work tree or
    inside one of its ``git_dirs`` (symbolic links resolved first)."""
    base = root.resolve()
    raw = base / relative
    if raw.name in ("", ".", ".."):
        raise ExemptionsError(
            f"exemptions file {relative!r} does not name a file; give a file inside the "
            f"repository, such as {DEFAULT_EXEMPTIONS_PATH}"
        )
    # The directory's links are resolved; the file itself is never followed (see _read).
    target = raw.parent.resolve() / raw.name
    if base not in target.parents:
        raise ExemptionsError(
            f"exemptions file {relative!r} resolves to {target}, which is not inside the "
            f"repository {base}; give a file inside it, such as {DEFAULT_EXEMPTIONS_PATH}"
        )
    for git_dir in git_dirs:
        inside = git_dir.resolve()
        if inside == base:
            raise ExemptionsError(
                f"{base} is a bare repository: it has no work tree to read the exemptions "
                f"file {relative!r} from; run unsafe-audit in a clone that has one"
            )
        if target == inside or inside in target.parents:
            raise ExemptionsError(
                f"exemptions file {relative!r} resolves to {target}, inside the git directory "
                f"{inside}, where git versions nothing; give a file of the work tree, such as "
                f"{DEFAULT_EXEMPTIONS_PATH}"
            )
    return target


@dataclass
class ExemptionsFile:
    """The exemptions file of one repository, read once; writes compare-and-swap."""

    path: Path
    """Where it is (resolved)."""
    exemptions: Exemptions
    """What it held when read (empty when absent)."""
    digest: str | None
    """A digest of its bytes when read (None: there was no file)."""

    @classmethod
    def load(
        cls,
        root: Path,
        relative: str | None = None,
        *,
        git_dirs: tuple[Path, ...] = (),
        explicit: bool | None = None,
    ) -> ExemptionsFile:
        """Read and validate the file ``relative`` (default :data:`DEFAULT_EXEMPTIONS_PATH`)
        of the work tree at ``root``; an absent file holds no exemption."""
        display = relative if relative is not None else DEFAULT_EXEMPTIONS_PATH
        named = relative is not None if explicit is None else explicit
        target = exemptions_path(root, display, git_dirs=git_dirs)
        empty = Exemptions(display=display, explicit=named)
        data = _read(target, display)
        if data is None:
            return cls(target, empty, None)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            line = data.count(b"\n", 0, e.start) + 1
            raise ExemptionsError(f"{display}:{line}: not UTF-8 text (byte {e.start})") from e
        entries = parse_exemptions(text, display)
        exemptions = Exemptions(entries, display, exists=True, explicit=named)
        return cls(target, exemptions, _digest(data))

    def save(self, exemptions: Exemptions) -> None:
        """Replace the file with ``exemptions``, atomically, unless another process changed it
        since it was read (then nothing is written)."""
        text = exemptions_text(exemptions)
        display = self.exemptions.display
        try:
            with lock.writer_lock(self.path.parent, display):
                now = _read(self.path, display)
                if (None if now is None else _digest(now)) != self.digest:
                    raise ExemptionsError(
                        f"{display} was changed by another process after this one read it; "
                        "nothing was written; run the command again"
                    )
                _remove_leftovers(self.path)
                atomic.write_atomically(self.path, text, mode=FILE_MODE)
        except OSError as e:
            raise ExemptionsError(
                f"{display}: cannot write the exemptions file ({e.strerror or e}); it is unchanged"
            ) from e
        self.digest = _digest(text.encode("ascii"))
        self.exemptions = exemptions


def _read(target: Path, display: str) -> bytes | None:
    if not os.path.lexists(target):
        return None
    try:
        return read_regular_file(target, MAX_EXEMPTIONS_BYTES, follow_symlinks=False)
    except UnreadableFile as e:
        raise ExemptionsError(
            f"{display}: {e}; the exemptions file must be a regular file of the work tree"
        ) from e


def _remove_leftovers(target: Path) -> None:
    """Temporary files a killed write left beside the file (only under the writer lock)."""
    try:
        names = [p.name for p in target.parent.iterdir()]
    except OSError:
        return
    for name in names:
        if atomic.is_leftover_of(name, re.escape(target.name)):
            try:
                (target.parent / name).unlink()
            except OSError:
                continue


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
