"""The pg_sys calls of one file with what the contracts table says about each, for the hints
that read the table (NULL results, ERRORs, palloc'd memory, acquire/release pairs).

Which major counts: a fact holds when *any* PostgreSQL major the table covers says so. A pgrx
extension compiles the same Rust against every major it supports (one cargo feature each), so
a function that may return NULL on 13 but not on 18 must still be checked in code that builds
for 13; the newest major alone (``contract.facts[-1]``) would hide that. Messages name the
majors the fact holds for, so a reviewer who supports only newer majors can discount it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from unsafe_audit.contracts.guard import NullGuard, null_guard
from unsafe_audit.contracts.table import MajorFacts, load
from unsafe_audit.extract.facts import Call
from unsafe_audit.hints.rule import HintContext
from unsafe_audit.model import Site, SiteKind

Fact = Callable[[MajorFacts], bool]
"""A question asked of one major's facts (``lambda f: f.returns_null == "yes"``)."""


def returns_null(facts: MajorFacts) -> bool:
    """The function may return NULL whatever its arguments."""
    return facts.returns_null == "yes"


def may_return_null(facts: MajorFacts) -> bool:
    """The function may return NULL, always (``yes``) or when an argument asks (``flag``)."""
    return facts.returns_null in ("yes", "flag")


# The free path (pfree, list_free, heap_freetuple...) reaches an elog(ERROR) only when a chunk
# header is corrupt; code cannot plan for that, so such a chain does not count as raising.
_CORRUPTION_CHECKS = ("AllocSetFree@",)


def _planned(facts: MajorFacts) -> bool:
    """The ERROR the facts show is one a caller has to plan for (not a corrupt-memory check)."""
    return not any(step.startswith(_CORRUPTION_CHECKS) for step in facts.raises_evidence)


def raises(facts: MajorFacts) -> bool:
    """An ERROR is reached within the table's call depth, other than a corrupt-memory check."""
    return facts.raises == "yes" and _planned(facts)


def may_raise(facts: MajorFacts) -> bool:
    """An ERROR may be reached (within the call depth, or deeper or through a function
    pointer), other than a corrupt-memory check."""
    return facts.raises in ("yes", "maybe") and _planned(facts)


def pallocs(facts: MajorFacts) -> bool:
    """The result is palloc'd in the caller's ``CurrentMemoryContext``."""
    return facts.memory == "palloc"


def returns_pointer(facts: MajorFacts) -> bool:
    """The result is a pointer (the table says ``-`` for NULL-ness of anything else)."""
    return facts.returns_null in ("yes", "flag", "no")


def null_majors(name: str, asks: Callable[[NullGuard], bool]) -> str | None:
    """The majors for which a call of ``name`` may return NULL: those whose facts say ``yes``,
    and those that say ``flag`` where ``asks`` judges that the call's arguments ask for it."""

    def holds(facts: MajorFacts) -> bool:
        if facts.returns_null == "yes":
            return True
        guard = null_guard(facts)
        return guard is not None and asks(guard)

    return majors_where(name, holds)


def majors_where(name: str, fact: Fact) -> str | None:
    """The majors (``13-18``, ``13-15, 18``) for which ``fact`` holds of ``name``, or None when
    it holds for none or the table has no contract for ``name``."""
    contract = load().get(name)
    if contract is None:
        return None
    runs = [f.majors for f in contract.facts if fact(f)]
    return ", ".join(runs) if runs else None


@dataclass(frozen=True, slots=True)
class ContractCall:
    """A call of a pg_sys function for which the asked fact holds."""

    call: Call
    """The call as the syntax view saw it."""
    site: Site
    """The pg_sys call site the extractor made of it."""
    majors: str
    """The majors the fact holds for."""


def pg_sys_calls(ctx: HintContext, fact: Fact) -> list[ContractCall]:
    """The file's pg_sys calls (those the extractor made a ``pg_sys_call`` site of, so a local
    fn that shares a PostgreSQL name is left out) whose contract says ``fact``, in source
    order."""
    holds: dict[str, str] = {}
    for site in ctx.sites:
        if site.kind is SiteKind.PG_SYS_CALL and site.name is not None and site.name not in holds:
            holds[site.name] = majors_where(site.name, fact) or ""
    wanted = {name for name, majors in holds.items() if majors}
    return [
        ContractCall(call, site, holds[call.name]) for call, site in pg_sys_calls_named(ctx, wanted)
    ]


def pg_sys_calls_named(ctx: HintContext, names: Collection[str]) -> list[tuple[Call, Site]]:
    """The file's pg_sys calls of the functions in ``names``, each with its site, in source
    order."""
    sites: dict[tuple[str, int], Site] = {}
    for site in ctx.sites:
        if site.kind is SiteKind.PG_SYS_CALL and site.name is not None and site.name in names:
            sites.setdefault((site.name, site.line), site)
    found: list[tuple[Call, Site]] = []
    for call in ctx.syntax.calls({name for name, _ in sites}):
        made = sites.get((call.name, call.line))
        if made is not None:
            found.append((call, made))
    return found
