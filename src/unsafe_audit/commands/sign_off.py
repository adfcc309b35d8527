"""``unsafe-audit sign-off``: record one reviewed site in the ledger, without prompts.

The site is a review unit (see :mod:`unsafe_audit.units`): an unsafe site, or a pg_sys use
outside every unsafe site. A pg_sys use inside an unsafe site is covered by that site's
sign-off; its id is refused with the id of the unit to sign off instead.

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
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, assert_never

from unsafe_audit import __version__, history
from unsafe_audit.audit import Audit, AuditRequest, load_audit
from unsafe_audit.checklist.model import Checklist, Item
from unsafe_audit.commands.checklist import add_checklist_option, build_checklist
from unsafe_audit.commands.ledger_option import add_ledger_option
from unsafe_audit.commands.settings import apply_config
from unsafe_audit.errors import GitError, UsageError
from unsafe_audit.ledger.entry import DEFAULT_LEDGER_DIR, Answer, Verdict
from unsafe_audit.ledger.signing import sign_entry
from unsafe_audit.model import Site, SiteKind
from unsafe_audit.report.escape import terminal_line
from unsafe_audit.review_state import Review, SiteReview
from unsafe_audit.scan import ScanOptions
from unsafe_audit.signoff import (
    Gap,
    Problem,
    Proposal,
    SignOffIdentity,
    build_entry,
    check_reviewer,
    offered_justification,
    problems,
    require_utf8,
    reviewed_at,
)
from unsafe_audit.units import unit_items, unit_kinds, unit_pattern_applies

_PREFIX = re.compile(r"[0-9a-f]{6,16}\Z")


def add_parser(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "sign-off",
        help="record a reviewed site in the ledger (non-interactive)",
        description=(
            "Write the ledger entry of one reviewed site: the answer to every checklist item "
            "that applies to its kind, its lifetime pattern and a justification. SITE_ID is a "
            "site id or a unique prefix of 6+ hex digits (see `unsafe-audit check`). The "
            "reviewer comes from git config user.name and user.email unless --reviewer is "
            f"given. The entry is written to {DEFAULT_LEDGER_DIR}/<site id>.yaml; commit it. "
            "The site is a review unit: a pg_sys use inside an unsafe site is covered by that "
            "site's sign-off (its items are asked there too) and has none of its own."
        ),
    )
    p.add_argument("site_id", metavar="SITE_ID", help="site id or unique prefix (6+ hex digits)")
    p.add_argument(
        "path", nargs="?", default=None, help="repository or directory in it (default .)"
    )
    p.add_argument(
        "-C",
        "--path",
        dest="path_option",
        metavar="PATH",
        type=Path,
        help="deprecated: give PATH after SITE_ID, as for the other commands",
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
    p.set_defaults(run=run, late_positional="path")


@dataclass(frozen=True, slots=True)
class Found:
    """The site being signed off, what the audit says of it, and where."""

    review: SiteReview
    audit: Audit

    @property
    def site(self) -> Site:
        return self.review.site

    @property
    def root(self) -> Path:
        return self.audit.root


def find_site(args: argparse.Namespace, options: ScanOptions, checklist: Checklist) -> Found:
    """The one head site whose id starts with ``args.site_id``, from the audit pipeline."""
    prefix, rev = args.site_id, args.rev
    if not _PREFIX.match(prefix):
        raise UsageError(
            f"{prefix!r} is not a site id: give 6 to 16 lowercase hex digits "
            "(ids are listed by `unsafe-audit check` and `unsafe-audit scan`)"
        )
    request = AuditRequest(
        path=args.path,
        head=rev,
        ledger=args.ledger,
        options=options,
        checklist=checklist,
        identity=True,
    )
    try:
        audit = load_audit(request)
    except GitError as e:
        if isinstance(e.__cause__, history.NotARepository):
            raise UsageError(
                f"{args.path} is not inside a git repository; the ledger lives in one"
            ) from e
        if "no release tag" not in str(e):
            # The previous release cannot be read (a shallow clone, say): sign off against
            # head alone, with nothing earlier to offer as a justification.
            audit = load_audit(replace(request, no_base=True))
        else:
            raise
    where = rev if rev is not None else "the work tree"
    return Found(pick_site(audit.state.sites, prefix, where), audit)


def pick_site(reviews: Sequence[SiteReview], prefix: str, where: str) -> SiteReview:
    """The one unit whose id starts with ``prefix``; refuses none and several, and the id of a
    pg_sys use inside a unit (naming the unit)."""
    matches = sorted(
        {r.site.id: r for r in reviews if r.site.id.startswith(prefix)}.values(),
        key=lambda r: _order(r.site),
    )
    if not matches:
        members = [(m, r) for r in reviews for m in r.member_sites if m.id.startswith(prefix)]
        if len(members) == 1:
            member, unit = members[0]
            raise UsageError(
                f"site {member.id} ({terminal_line(member.label)}) is a pg_sys use inside "
                f"review unit {unit.site.id} ({terminal_line(unit.site.label)}), whose sign-off "
                f"covers it: sign off the unit instead (unsafe-audit sign-off {unit.site.id} ...)"
            )
        if members:
            listing = "; ".join(f"{m.id} (in unit {r.site.id})" for m, r in members)
            raise UsageError(f"site id {prefix} is ambiguous in {where}: {listing}")
        raise UsageError(f"unknown site id {prefix}: no site in {where} has an id starting so")
    if len(matches) > 1:
        listing = "; ".join(f"{r.site.id} ({r.site.label})" for r in matches)
        raise UsageError(f"site id {prefix} is ambiguous in {where}: {listing}")
    return matches[0]


def _order(site: Site) -> tuple[str, int, str]:
    return (site.path, site.line, site.id)


def parse_answers(values: list[str], items: Sequence[Item], kind: SiteKind) -> dict[str, Answer]:
    """The answers given, by item id; refuses malformed, unknown, inapplicable or repeated ones."""
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
    return given


def choose_justification(args: argparse.Namespace, found: Found) -> tuple[str, bool]:
    """The justification to record, and whether the reviewer wrote it (see the module doc)."""
    if args.justification is not None:
        return str(args.justification).strip(), True
    stale = None
    if not args.justification_from_safety and found.review.review is Review.STALE:
        stale = found.review.entry
    covered = found.review.covered[0] if found.review.covered else None
    seeded = offered_justification(
        found.site,
        stale.justification if stale else None,
        covered.justification if covered is not None else None,
    )
    if seeded:
        source = f"the stale sign-off for {stale.release}" if stale else "its // SAFETY: comment"
        if stale is None and not found.site.safety_comment and covered is not None:
            source = f"the earlier sign-off {covered.site} of a {covered.kind.value} inside it"
        print(f"unsafe-audit: justification taken from {terminal_line(source)}", file=sys.stderr)
    return seeded, False


def _refusal(problem: Problem, args: argparse.Namespace, site: Site, known: Sequence[str]) -> str:
    """How the command line words a gap in the sign-off (see :mod:`unsafe_audit.signoff`)."""
    kind = site.kind.value
    gap = problem.gap
    if gap is Gap.NO_ITEMS:
        return f"the checklist has no item for a {kind} site"
    if gap is Gap.UNANSWERED:
        return (
            f"missing answers for a {kind} site: {', '.join(problem.items)} "
            "(give --answer ITEM=pass|fail|n/a for each, or --all-pass for the rest)"
        )
    if gap is Gap.NO_PATTERN:
        return f"a {kind} site needs --pattern, the lifetime pattern it follows: {', '.join(known)}"
    if gap is Gap.UNKNOWN_PATTERN:
        return f"--pattern {args.pattern!r}: unknown lifetime pattern (known: {', '.join(known)})"
    if gap is Gap.NO_JUSTIFICATION:
        if args.justification is not None:
            return "--justification is empty; say why the site is sound"
        return (
            f"no justification: site {site.id} has no // SAFETY: comment and no earlier "
            "sign-off to start from; pass --justification TEXT"
        )
    if gap is Gap.FAIL_NEEDS_OWN_WORDS:
        return (
            "a fail answer needs --justification saying why the site ships anyway "
            "(a seeded SAFETY comment does not say that)"
        )
    if gap is Gap.NO_REVIEWER:
        return (
            "no reviewer: set git config user.name and user.email, or pass "
            "--reviewer 'Name <email>'"
        )
    assert_never(gap)


_CLI_ORDER = (
    Gap.UNANSWERED,
    Gap.NO_ITEMS,
    Gap.UNKNOWN_PATTERN,
    Gap.NO_PATTERN,
    Gap.FAIL_NEEDS_OWN_WORDS,
    Gap.NO_JUSTIFICATION,
    Gap.NO_REVIEWER,
)
"""The order the command line reports gaps in: the first one is the error."""


def _require_utf8_arguments(args: argparse.Namespace) -> None:
    """Refuse text arguments holding bytes that are not UTF-8, before any work is done."""
    if args.justification is not None:
        require_utf8(args.justification, "--justification")
    for value in args.answers:
        require_utf8(value, f"--answer {value!r}")
    if args.pattern is not None:
        require_utf8(args.pattern, "--pattern")


def _git_reviewer(found: Found) -> str:
    """The reviewer from git config, refused when it is not valid UTF-8."""
    reviewer = found.audit.comparison.reviewer or ""
    return require_utf8(
        reviewer,
        f"git config user.name/user.email ({reviewer!r})",
        "set them in UTF-8, or pass --reviewer 'Name <email>'",
    )


def _resolve_path(args: argparse.Namespace) -> None:
    """``args.path`` from the positional PATH or the deprecated ``-C``/``--path``."""
    given: Path | None = args.path_option
    positional = Path(args.path) if args.path is not None else None
    if given is not None:
        print(
            "unsafe-audit: sign-off -C/--path is deprecated; give the path after the site id "
            f"(unsafe-audit sign-off SITE_ID {terminal_line(str(given))})",
            file=sys.stderr,
        )
        if positional is not None and positional != given:
            raise UsageError(
                f"two paths given: {positional} and -C {given}; give one, after the site id"
            )
    args.path = positional or given or Path(".")


def run(args: argparse.Namespace) -> int:
    _resolve_path(args)
    _require_utf8_arguments(args)
    config = apply_config(args, args.path)
    options = ScanOptions(
        use_cache=not args.no_cache, cache_dir=getattr(args, "cache_dir", None), config=config
    )
    checklist = build_checklist(args.checklists)
    reviewer = check_reviewer(args.reviewer) if args.reviewer is not None else None
    found = find_site(args, options, checklist)
    site = found.site
    kinds = unit_kinds(site, found.review.member_sites)
    items = unit_items(checklist, kinds)
    answers = parse_answers(args.answers, items, site.kind)
    if args.all_pass:
        answers = {i.id: answers.get(i.id, Answer(Verdict.PASS)) for i in items}
    justification, own = choose_justification(args, found)
    known = [p.id for p in checklist.lifetime_patterns]
    proposal = Proposal(
        site=site,
        items=items,
        pattern_applies=unit_pattern_applies(checklist, kinds),
        known_patterns=known,
        answers=answers,
        pattern=args.pattern,
        justification=justification,
        own_justification=own,
        members=found.review.member_sites,
    )
    reviewer = reviewer or _git_reviewer(found)
    gaps = {p.gap: p for p in problems(proposal, reviewer)}
    for gap in _CLI_ORDER:
        if gap in gaps:
            raise UsageError(_refusal(gaps[gap], args, site, known))
    identity = SignOffIdentity(
        reviewer=reviewer,
        release=found.audit.comparison.release,
        checklist=checklist.label,
        tool=f"unsafe-audit {__version__}",
        clock=reviewed_at,
        majors=found.audit.comparison.majors,
    )
    entry = build_entry(proposal, identity)
    if args.sign_with is not None:
        entry = sign_entry(entry, args.sign_with)
    ledger = found.audit.ledger
    replaced = site.id in ledger.entries
    ledger.on_wait = _say
    try:
        target = ledger.save(entry)
    finally:
        for notice in ledger.notices:
            _say(notice)
    rel = target.relative_to(found.root.resolve()).as_posix()
    verb = "replaced the sign-off" if replaced else "signed off"
    covers = len(found.review.members)
    also = f", with the {covers} pg_sys use{'s' if covers > 1 else ''} in it" if covers else ""
    print(f"{verb} {site.id} ({terminal_line(site.label)}{also}): {terminal_line(rel)}")
    return 0


def _say(message: str) -> None:
    print(f"unsafe-audit: {terminal_line(message)}", file=sys.stderr, flush=True)
