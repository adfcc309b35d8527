"""``unsafe-audit sign-off``: record one reviewed site in the ledger, without prompts.

For scripts and bulk migrations: every answer comes from the command line. The site is found
by a unique prefix of its id (6 or more hex digits) in a scan of the work tree (or ``--rev``).
Refused: an unknown or ambiguous id, a missing or unknown answer, a missing lifetime pattern
where one applies, an empty justification, and a ``fail`` answer without a justification
written for it (``--justification``): a failed item ships only with a reason.

Lifetime patterns apply to the kinds that some section-A (memory context) item of the checklist
applies to; for the others (``unsafe trait``, unsafe attributes) the pattern defaults to ``n/a``.

Without ``--justification`` the text is seeded from the site's stale sign-off (its code changed
since), else from its ``// SAFETY:`` comment; ``--justification-from-safety`` asks for the latter.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from unsafe_audit import __version__, history
from unsafe_audit.checklist.model import Checklist, Item
from unsafe_audit.commands.checklist import add_checklist_option, build_checklist
from unsafe_audit.commands.ledger_option import add_ledger_option
from unsafe_audit.errors import GitError, UsageError
from unsafe_audit.ledger.entry import DEFAULT_LEDGER_DIR, Answer, Entry, Verdict
from unsafe_audit.ledger.signing import sign_entry
from unsafe_audit.ledger.store import Ledger
from unsafe_audit.model import Site, SiteKind
from unsafe_audit.scan import ScanOptions, scan_path

MIN_PREFIX = 6
_PREFIX = re.compile(r"[0-9a-f]{6,16}\Z")
_REVIEWER = re.compile(r"\S.*<[^<>\s]+@[^<>\s]+>\Z")


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "sign-off",
        help="record a reviewed site in the ledger (non-interactive)",
        description=(
            "Write the ledger entry of one reviewed site: the answer to every checklist item "
            "that applies to its kind, its lifetime pattern and a justification. SITE_ID is a "
            "site id or a unique prefix of 6+ hex digits (see `unsafe-audit check`). The "
            "reviewer comes from git config user.name and user.email unless --reviewer is "
            f"given. The entry is written to {DEFAULT_LEDGER_DIR}/<site id>.yaml; commit it."
        ),
    )
    p.add_argument("site_id", metavar="SITE_ID", help="site id or unique prefix (6+ hex digits)")
    p.add_argument(
        "-C",
        "--path",
        default=".",
        type=Path,
        help="the repository (or a directory in it); default .",
    )
    p.add_argument("--rev", help="find the site in this revision instead of the work tree")
    p.add_argument("--justification", help="why the site is sound, or why it ships anyway")
    p.add_argument(
        "--justification-from-safety",
        action="store_true",
        help="use the site's // SAFETY: comment as the justification",
    )
    p.add_argument(
        "--answer",
        dest="answers",
        metavar="ITEM=pass|fail|n/a[:NOTE]",
        action="append",
        default=[],
        help="answer one checklist item, with an optional note after ':'; repeat for each item",
    )
    p.add_argument(
        "--all-pass", action="store_true", help="answer pass to every item not given by --answer"
    )
    p.add_argument(
        "--pattern",
        help="lifetime pattern: borrow, own, pin or n/a (required for kinds that touch memory)",
    )
    p.add_argument("--reviewer", metavar="'NAME <EMAIL>'", help="override the git config identity")
    add_ledger_option(p)
    add_checklist_option(p)
    p.add_argument(
        "--sign-with",
        metavar="KEY",
        type=Path,
        help="sign the entry with this SSH private key (ssh-keygen -Y sign)",
    )
    p.add_argument("--no-cache", action="store_true", help="ignore and do not update the cache")
    p.set_defaults(run=run)


@dataclass(frozen=True, slots=True)
class Found:
    """The site being signed off, and where it was found."""

    site: Site
    root: Path
    release: str


def find_site(path: Path, prefix: str, rev: str | None, options: ScanOptions) -> Found:
    """The one site whose id starts with ``prefix`` in the work tree (or ``rev``)."""
    if not _PREFIX.match(prefix):
        raise UsageError(
            f"{prefix!r} is not a site id: give 6 to 16 lowercase hex digits "
            "(ids are listed by `unsafe-audit check` and `unsafe-audit scan`)"
        )
    try:
        repo = history.Repository.open(path)
    except history.NotARepository as e:
        raise UsageError(f"{path} is not inside a git repository; the ledger lives in one") from e
    with repo:
        if repo.is_bare and rev is None:
            raise UsageError(f"{repo.root} is a bare repository; name the revision with --rev")
        root = repo.root
        if rev is not None:
            sha = repo.resolve(rev)
            release = rev if rev != sha else sha[:12]
        elif repo.has_commits:
            release = f"working tree of {repo.describe_rev('HEAD')}"
        else:
            release = "working tree"
    sites = scan_path(root, rev, options).sites
    matches = sorted({s.id: s for s in sites if s.id.startswith(prefix)}.values(), key=_order)
    where = rev if rev is not None else "the work tree"
    if not matches:
        raise UsageError(f"unknown site id {prefix}: no site in {where} has an id starting so")
    if len(matches) > 1:
        listing = "; ".join(f"{s.id} ({s.kind.value} at {s.path}:{s.line})" for s in matches)
        raise UsageError(f"site id {prefix} is ambiguous in {where}: {listing}")
    return Found(matches[0], root, release)


def _order(site: Site) -> tuple[str, int, str]:
    return (site.path, site.line, site.id)


def parse_answers(
    values: list[str], items: tuple[Item, ...], kind: SiteKind, all_pass: bool
) -> tuple[tuple[str, Answer], ...]:
    """The answers in checklist order; refuses unknown, repeated, inapplicable or missing ones."""
    applicable = {item.id for item in items}
    given: dict[str, Answer] = {}
    for value in values:
        item_id, eq, rest = value.partition("=")
        verdict_text, _, note = rest.partition(":")
        item_id, verdict_text = item_id.strip(), verdict_text.strip()
        if not eq or not item_id:
            raise UsageError(f"--answer {value!r}: expected ITEM=pass|fail|n/a[:NOTE]")
        try:
            verdict = Verdict(verdict_text)
        except ValueError:
            raise UsageError(
                f"--answer {value!r}: the answer must be pass, fail or n/a, not {verdict_text!r}"
            ) from None
        if item_id not in applicable:
            raise UsageError(
                f"--answer {value!r}: checklist item {item_id!r} does not apply to a "
                f"{kind.value} site (items: {', '.join(sorted(applicable))})"
            )
        if item_id in given:
            raise UsageError(f"--answer: item {item_id!r} answered twice")
        given[item_id] = Answer(verdict, note.strip() or None)
    missing = [item.id for item in items if item.id not in given]
    if missing and not all_pass:
        raise UsageError(
            f"missing answers for a {kind.value} site: {', '.join(missing)} "
            "(give --answer ITEM=pass|fail|n/a for each, or --all-pass for the rest)"
        )
    return tuple((item.id, given.get(item.id, Answer(Verdict.PASS))) for item in items)


def choose_pattern(checklist: Checklist, kind: SiteKind, given: str | None) -> str:
    """The lifetime pattern to record; refuses an unknown one, or none where one applies."""
    known = [p.id for p in checklist.lifetime_patterns]
    if given is None:
        if checklist.pattern_applies(kind):
            raise UsageError(
                f"a {kind.value} site needs --pattern, the lifetime pattern it follows: "
                f"{', '.join(known)}"
            )
        return "n/a"
    if given not in known:
        raise UsageError(
            f"--pattern {given!r}: unknown lifetime pattern (known: {', '.join(known)})"
        )
    return given


def _stale_entry(
    found: Found, ledger: Ledger, rev: str | None, options: ScanOptions
) -> Entry | None:
    """The sign-off this site had before its code changed, if there is one."""
    own = ledger.entries.get(found.site.id)
    if own is not None and own.token_hash != found.site.token_hash:
        return own
    from unsafe_audit.compare import compare

    try:
        with compare(found.root, head=rev, allow_first_release=True, options=options) as c:
            for d in c.delta.sites:
                if d.head is not None and d.head.id == found.site.id and d.base is not None:
                    return ledger.entries.get(d.base.id)
    except GitError:
        # No previous release can be read (a shallow clone): there is simply nothing to offer.
        return None
    return None


def choose_justification(
    args: argparse.Namespace, found: Found, ledger: Ledger, options: ScanOptions, has_fail: bool
) -> str:
    """The justification to record; see the module doc for the seeding order."""
    if args.justification is not None:
        if not args.justification.strip():
            raise UsageError("--justification is empty; say why the site is sound")
        return str(args.justification).strip()
    if has_fail:
        raise UsageError(
            "a fail answer needs --justification saying why the site ships anyway "
            "(a seeded SAFETY comment does not say that)"
        )
    seeded: str | None = None
    source = ""
    if not args.justification_from_safety:
        stale = _stale_entry(found, ledger, args.rev, options)
        if stale is not None:
            seeded, source = stale.justification, f"the stale sign-off for {stale.release}"
    if seeded is None and found.site.safety_comment:
        seeded, source = found.site.safety_comment, "its // SAFETY: comment"
    if seeded is None or not seeded.strip():
        raise UsageError(
            f"no justification: site {found.site.id} has no // SAFETY: comment and no earlier "
            "sign-off to start from; pass --justification TEXT"
        )
    print(f"unsafe-audit: justification taken from {source}", file=sys.stderr)
    return seeded.strip()


def check_reviewer(value: str) -> str:
    """A --reviewer value, checked to be ``Name <email>``."""
    stripped = value.strip()
    if not _REVIEWER.match(stripped):
        raise UsageError(f"--reviewer {value!r}: expected 'Name <email>'")
    return stripped


def reviewer_of(path: Path, override: str | None) -> str:
    """``Name <email>`` from --reviewer, else from git config."""
    if override is not None:
        return check_reviewer(override)
    with history.Repository.open(path) as repo:
        identity = repo.identity()
    if identity is None:
        raise UsageError(
            "no reviewer: set git config user.name and user.email, or pass "
            "--reviewer 'Name <email>'"
        )
    return identity


def reviewed_at() -> str:
    """Now in UTC; ``SOURCE_DATE_EPOCH`` pins it, for reproducible entries and tests."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = (
        datetime.fromtimestamp(int(epoch), UTC) if epoch and epoch.isdigit() else datetime.now(UTC)
    )
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def run(args: argparse.Namespace) -> int:
    options = ScanOptions(use_cache=not args.no_cache, cache_dir=getattr(args, "cache_dir", None))
    checklist = build_checklist(args.checklists)
    found = find_site(args.path, args.site_id, args.rev, options)
    ledger = Ledger.load(found.root, args.ledger)  # a corrupt ledger stops us before any work
    site = found.site
    answers = parse_answers(args.answers, checklist.items_for(site.kind), site.kind, args.all_pass)
    if not answers:
        raise UsageError(f"the checklist has no item for a {site.kind.value} site")
    pattern = choose_pattern(checklist, site.kind, args.pattern)
    has_fail = any(a.verdict is Verdict.FAIL for _, a in answers)
    justification = choose_justification(args, found, ledger, options, has_fail)
    entry = Entry(
        site=site.id,
        kind=site.kind,
        path=site.path,
        item=site.item,
        token_hash=site.token_hash,
        release=found.release,
        checklist=" + ".join(checklist.parts) or f"{checklist.id}@{checklist.version}",
        tool=f"unsafe-audit {__version__}",
        reviewer=reviewer_of(found.root, args.reviewer),
        reviewed_at=reviewed_at(),
        lifetime_pattern=pattern,
        answers=answers,
        justification=justification,
    )
    if args.sign_with is not None:
        entry = sign_entry(entry, args.sign_with)
    replaced = site.id in ledger.entries
    target = ledger.save(entry)
    rel = target.relative_to(found.root.resolve()).as_posix()
    verb = "replaced the sign-off" if replaced else "signed off"
    print(f"{verb} {site.id} ({site.kind.value} at {site.path}:{site.line}): {rel}")
    return 0
