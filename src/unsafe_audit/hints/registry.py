"""The hint rules in their listing order, and running them over files and scans.

Files are parsed once per run whatever the number of rules: the parse tree is kept on the
snapshot's :class:`~unsafe_audit.source.SourceFile`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from unsafe_audit.extract.parsed import syntax_of
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


def _order(hint: Hint) -> tuple[str, int, str, str]:
    return (hint.path, hint.line, hint.hint_id, hint.message)


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
