"""The hint rules in their listing order, and running them over files and scans.

Files are parsed once per run whatever the number of rules: the parse tree is kept on the
snapshot's :class:`~unsafe_audit.source.SourceFile`. A scan that asks for hints runs the rules in
its workers, over the tree the extractor made (:func:`hints_of_file`), and caches them with the
file's sites under a key that folds in :func:`rule_set_salt`; :func:`scoped_hints` then picks the
hints of the sites a command shows.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unsafe_audit.extract.parsed import syntax_of
from unsafe_audit.extract.syntax import RustSyntax
from unsafe_audit.hints.acquire_without_release import AcquireWithoutRelease
from unsafe_audit.hints.context_reset import ContextReset
from unsafe_audit.hints.context_switch_back import ContextSwitchBack
from unsafe_audit.hints.current_context_deleted import CurrentContextDeleted
from unsafe_audit.hints.datum_null_ignored import DatumNullIgnored
from unsafe_audit.hints.discarded_result import DiscardedResult
from unsafe_audit.hints.drop_across_error import DropAcrossError
from unsafe_audit.hints.fn_pointer_unguarded import FnPointerUnguarded
from unsafe_audit.hints.interface import Hint
from unsafe_audit.hints.long_lived_static import LongLivedStatic
from unsafe_audit.hints.method_table_not_static import MethodTableNotStatic
from unsafe_audit.hints.null_result_unchecked import NullResultUnchecked
from unsafe_audit.hints.palloc_into_static import PallocIntoStatic
from unsafe_audit.hints.panic_in_extern import PanicInExtern
from unsafe_audit.hints.pg_guard_missing import PgGuardMissing
from unsafe_audit.hints.pg_sys_in_drop import PgSysInDrop
from unsafe_audit.hints.pointer_across_reset import PointerAcrossReset
from unsafe_audit.hints.raw_deref_no_null_check import RawDerefNoNullCheck
from unsafe_audit.hints.raw_error_calls import RawErrorCalls
from unsafe_audit.hints.raw_pointer_outlives_owner import RawPointerOutlivesOwner
from unsafe_audit.hints.rule import HintContext, HintRule
from unsafe_audit.hints.safety_comment_missing import SafetyCommentMissing
from unsafe_audit.hints.salt import files_salt
from unsafe_audit.model import Site, SiteId
from unsafe_audit.source import Snapshot, SourceFile

ALL_RULES: tuple[HintRule, ...] = (
    PgGuardMissing(),
    PanicInExtern(),
    ContextSwitchBack(),
    LongLivedStatic(),
    ContextReset(),
    RawDerefNoNullCheck(),
    SafetyCommentMissing(),
    RawErrorCalls(),
    PgSysInDrop(),
    DiscardedResult(),
    CurrentContextDeleted(),
    DatumNullIgnored(),
    FnPointerUnguarded(),
    RawPointerOutlivesOwner(),
    MethodTableNotStatic(),
    NullResultUnchecked(),
    AcquireWithoutRelease(),
    DropAcrossError(),
    PallocIntoStatic(),
    PointerAcrossReset(),
)
"""Every rule, in the order their hints are listed for a site."""


def _order(hint: Hint) -> tuple[str, int, int, str, str]:
    return hint.sort_key()


@dataclass(frozen=True, slots=True)
class FileHints:
    """The hints for one file."""

    path: str
    by_site: dict[SiteId, list[Hint]] = field(default_factory=dict)
    """Hints shown with each site, by line then rule id."""
    unattached: list[Hint] = field(default_factory=list)
    """Hints about code that no site holds (a fn the extractor could not see, say)."""

    def all(self) -> list[Hint]:
        """Every hint, once per place it is about (the site ids dropped), in line order."""
        seen: dict[tuple[str, int, str], Hint] = {}
        for hint in [h for hs in self.by_site.values() for h in hs] + self.unattached:
            seen.setdefault((hint.hint_id, hint.line, hint.message), hint)
        return sorted(seen.values(), key=_order)


@dataclass(frozen=True, slots=True)
class ScanHints:
    """The hints for a whole scan."""

    by_site: dict[SiteId, list[Hint]] = field(default_factory=dict)
    """Hints for each site id that has any."""
    unattached: list[Hint] = field(default_factory=list)
    """Hints tied to no site, in path and line order."""


def hints_for_file(ctx: HintContext, rules: Sequence[HintRule] = ALL_RULES) -> FileHints:
    """Run ``rules`` over one file."""
    by_site: dict[SiteId, list[Hint]] = {}
    unattached: list[Hint] = []
    for rule in rules:
        for hint in rule.check(ctx):
            if hint.site_id is None:
                unattached.append(hint)
            else:
                bucket = by_site.setdefault(hint.site_id, [])
                if hint not in bucket:
                    bucket.append(hint)
    for bucket in by_site.values():
        bucket.sort(key=_order)
    unattached = sorted(set(unattached), key=_order)
    return FileHints(ctx.path, by_site, unattached)


def hints_for(
    path: str, source: bytes, sites: Iterable[Site], rules: Sequence[HintRule] = ALL_RULES
) -> FileHints:
    """Run ``rules`` over one file's source and sites."""
    return hints_for_file(HintContext(path, source, sites), rules)


def hints_for_scan(
    sites: Iterable[Site],
    files: Snapshot,
    rules: Sequence[HintRule] = ALL_RULES,
    *,
    paths: Iterable[str] = (),
) -> ScanHints:
    """Hints for every file that has sites (plus any in ``paths``), each file read and parsed
    once from ``files`` (a missing file is read as empty)."""
    by_path: dict[str, list[Site]] = {p: [] for p in paths}
    for site in sites:
        by_path.setdefault(site.path, []).append(site)
    by_site: dict[SiteId, list[Hint]] = {}
    unattached: list[Hint] = []
    for path in sorted(by_path):
        file = files.file(path) or SourceFile(path, b"")
        ctx = HintContext(path, file.data, by_path[path], syntax_of(file))
        result = hints_for_file(ctx, rules)
        by_site.update(result.by_site)
        unattached.extend(result.unattached)
    return ScanHints(by_site, unattached)


def hints_of_file(
    path: str, source: bytes, sites: Iterable[Site], syntax: RustSyntax | None = None
) -> tuple[Hint, ...]:
    """Every hint of every rule in :data:`ALL_RULES` over one file and all its sites, each
    site's hints together then those tied to no site: what a scan caches with the file."""
    result = hints_for_file(HintContext(path, source, sites, syntax))
    return (*[h for bucket in result.by_site.values() for h in bucket], *result.unattached)


def scoped_hints(files: Mapping[str, Sequence[Hint]], sites: Iterable[Site]) -> ScanHints:
    """The hints of ``sites``, from each file's hints as :func:`hints_of_file` made them (a
    file missing from ``files`` has none), and those tied to no site in the files of ``sites``.

    A hint tied to a site not in ``sites`` (signed off, exempt) is about that site's code and
    is left out with it."""
    wanted: dict[str, set[SiteId]] = {}
    for site in sites:
        wanted.setdefault(site.path, set()).add(site.id)
    by_site: dict[SiteId, list[Hint]] = {}
    unattached: list[Hint] = []
    for path in sorted(wanted):
        ids = wanted[path]
        for hint in files.get(path, ()):
            if hint.site_id is None:
                unattached.append(hint)
            elif hint.site_id in ids:
                bucket = by_site.setdefault(hint.site_id, [])
                if hint not in bucket:
                    bucket.append(hint)
    for bucket in by_site.values():
        bucket.sort(key=_order)
    return ScanHints(by_site, sorted(set(unattached), key=_order))


def load_rule_inputs() -> None:
    """Load what the rules read besides a file (the contracts table) in this process: the
    worker processes a scan forks from it then share it instead of each parsing it again."""
    from unsafe_audit.contracts.table import load

    load()


def rule_set_salt(rules: Sequence[HintRule] = ALL_RULES) -> str:
    """What decides the hints of a file besides its bytes and sites, for a rule set of the
    caller's own: the rules in order, the source of the hints and contracts packages and of
    every rule's module, and the files the rules read. Adding or editing a rule never serves
    hints cached before the change. (The scan's key uses :func:`~unsafe_audit.hints.salt.
    files_salt`, which covers :data:`ALL_RULES` without importing them.)"""
    modules = (sys.modules.get(type(rule).__module__) for rule in rules)
    extra = {
        Path(str(m.__file__)) for m in modules if m is not None and getattr(m, "__file__", None)
    }
    return files_salt(extra, [rule.id for rule in rules])
