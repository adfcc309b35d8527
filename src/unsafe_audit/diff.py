"""Old sites + new sites -> a classified delta: what a release reviewer must look at.

Pure: no git, no parser and no source text here. :func:`classify` pairs the sites of a base
revision with the sites of a head revision one to one, in a fixed order of rules (see its
docstring), and gives every site one :class:`Status`. It compares only what extraction recorded:
the sites' hashes, names and places, and the facts that let it recognise edition-2024 migrations
that create sites out of nothing (recorded by :mod:`unsafe_audit.extract.edition2024`). Code
for showing a change is sliced by :mod:`unsafe_audit.source`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from unsafe_audit.model import FileResult, PlainAttribute, Site, SiteKind


class Status(StrEnum):
    """What happened to a site between base and head. The values are part of the JSON contract."""

    NEW = "new"
    """Only in head: nobody has reviewed it yet."""
    CHANGED = "changed"
    """The same site (kind, file, item, name, order) with different tokens."""
    MOVED = "moved"
    """The same tokens in another file, module, item or crate."""
    MIGRATED = "migrated"
    """Only edition-2024 markers changed (``unsafe extern``, ``#[unsafe(..)]``, a body wrapped
    in ``unsafe {}``): the code does what it did, it just says so."""
    UNCHANGED = "unchanged"
    """The same site with the same tokens (whitespace, comments and line moves ignored)."""
    REMOVED = "removed"
    """Only in base."""

    @property
    def needs_review(self) -> bool:
        """True for the statuses a reviewer must justify again: new and changed.

        Migrated sites do not: their edition-neutral tokens are equal, so the unsafety was
        already there and reviewed; the markers only make it explicit. They are still listed.
        """
        return self in (Status.NEW, Status.CHANGED)


_STATUS_ORDER = {s: i for i, s in enumerate(Status)}


@dataclass(frozen=True, slots=True)
class SiteDelta:
    """One site's fate: its head version, its base version, or both."""

    status: Status
    """How the site differs between base and head."""
    head: Site | None
    """The site in head (None when removed)."""
    base: Site | None
    """The site in base (None when new, and for sites created by an edition-2024 migration)."""

    @property
    def site(self) -> Site:
        """The head version if there is one, else the base version."""
        site = self.head or self.base
        assert site is not None, "a SiteDelta has a head or a base site"
        return site


@dataclass(frozen=True, slots=True)
class Delta:
    """Every site of base and head, classified, ordered by status then location."""

    sites: tuple[SiteDelta, ...]
    """Each head site once and each base site at most once."""

    def summary(self) -> dict[str, int]:
        """Count per status, every status present, in :class:`Status` order."""
        counts = Counter(d.status for d in self.sites)
        return {s.value: counts.get(s, 0) for s in Status}

    def needs_review(self) -> tuple[SiteDelta, ...]:
        """The new and changed sites (see :attr:`Status.needs_review`)."""
        return tuple(d for d in self.sites if d.status.needs_review)

    def with_status(self, status: Status) -> tuple[SiteDelta, ...]:
        """The sites that have ``status``, in order."""
        return tuple(d for d in self.sites if d.status is status)


def _family(kind: SiteKind) -> SiteKind:
    # `extern "C" {` and `unsafe extern "C" {` are the same site before and after edition 2024.
    return SiteKind.EXTERN_BLOCK if kind is SiteKind.UNSAFE_EXTERN_BLOCK else kind


def _tail(item: str) -> str:
    return item.rsplit("::", 1)[-1]


def _order(site: Site) -> tuple[str, int, int, str, int]:
    # The kind is a StrEnum, which sorts as its value; `.value` goes through enum's slow
    # property, and a large diff sorts every site more than once.
    sp = site.span
    return (site.path, sp.line, sp.column, site.kind, sp.start_byte)


def _ranks(indexes: Sequence[int], sites: Sequence[Site]) -> dict[int, int]:
    """Each site's rank among the given sites of its own file, in source order."""
    per_file: Counter[str] = Counter()
    ranks: dict[int, int] = {}
    for i in sorted(indexes, key=lambda i: _order(sites[i])):
        path = sites[i].path
        ranks[i] = per_file[path]
        per_file[path] += 1
    return ranks


class _Matcher:
    """The state of one classification: which sites are still unpaired, and the pairs so far."""

    def __init__(
        self, base: Sequence[Site], head: Sequence[Site], head_paths: Collection[str]
    ) -> None:
        self.base = sorted(base, key=_order)
        self.head = sorted(head, key=_order)
        self.head_paths = head_paths
        self.base_left = list(range(len(self.base)))
        self.head_left = list(range(len(self.head)))
        self.result: dict[int, tuple[Status, int | None]] = {}  # head index -> status, base index

    def pair(
        self,
        head_key: Callable[[Site], Hashable | None],
        base_key: Callable[[Site], Hashable | None],
        status: Callable[[Site, Site], Status],
    ) -> None:
        """Pair unpaired sites with equal keys, one to one.

        Within a group of equal keys, the best pairs are taken first: same item name (a fn that
        moved to another file keeps its name), then same file, then the same rank among the
        group's sites in that file (so duplicates pair in order of occurrence).
        """
        buckets: dict[Hashable, list[int]] = {}
        for b in self.base_left:
            key = base_key(self.base[b])
            if key is not None:
                buckets.setdefault(key, []).append(b)
        if not buckets:
            return
        groups: dict[Hashable, list[int]] = {}
        for h in self.head_left:
            key = head_key(self.head[h])
            if key is not None and key in buckets:
                groups.setdefault(key, []).append(h)
        paired_base: set[int] = set()
        for key, heads in groups.items():
            bases = buckets[key]
            if len(heads) == 1 and len(bases) == 1:  # the common case: nothing to choose
                h, b = heads[0], bases[0]
                paired_base.add(b)
                self.result[h] = (status(self.head[h], self.base[b]), b)
                continue
            head_rank = _ranks(heads, self.head)
            base_rank = _ranks(bases, self.base)
            options = []
            for h in heads:
                site = self.head[h]
                for b in bases:
                    other = self.base[b]
                    score = (
                        _tail(other.item) != _tail(site.item),
                        other.path != site.path,
                        abs(head_rank[h] - base_rank[b]),
                        abs(other.line - site.line),
                    )
                    options.append((score, h, b))
            options.sort()
            taken_h: set[int] = set()
            for _, h, b in options:
                if h in taken_h or b in paired_base:
                    continue
                taken_h.add(h)
                paired_base.add(b)
                self.result[h] = (status(self.head[h], self.base[b]), b)
        self.base_left = [b for b in self.base_left if b not in paired_base]
        self.head_left = [h for h in self.head_left if h not in self.result]

    def pair_unchanged_files(self) -> None:
        """Pair, in order, the sites of each file whose ids are the same in base and head.

        What rule 1 would do for them (an id pairs with its twin in the same file and item
        first, duplicates in order), without bucketing every site of a large tree: most files
        of a release are untouched, and this leaves the later rules only the rest.
        """
        base_by_path = _index_by_path(self.base)
        head_by_path = _index_by_path(self.head)
        paired_base: set[int] = set()
        for path, heads in head_by_path.items():
            bases = base_by_path.get(path)
            if bases is None or len(bases) != len(heads):
                continue
            if any(self.head[h].id != self.base[b].id for h, b in zip(heads, bases, strict=True)):
                continue
            for h, b in zip(heads, bases, strict=True):
                self.result[h] = (Status.UNCHANGED, b)
                paired_base.add(b)
        self.base_left = [b for b in self.base_left if b not in paired_base]
        self.head_left = [h for h in self.head_left if h not in self.result]

    def mark(self, h: int, status: Status) -> None:
        self.result[h] = (status, None)
        self.head_left.remove(h)

    def status_of_head(self, h: int) -> Status | None:
        found = self.result.get(h)
        return found[0] if found is not None else None

    def renames(self) -> tuple[dict[str, str], dict[str, tuple[tuple[str, ...], tuple[str, ...]]]]:
        """Files that no longer exist in head, and where their paired sites went.

        Returns base path -> head path, and base path -> (old, new) module prefix of items, both
        by majority of the pairs found so far.
        """
        moves: Counter[tuple[str, str]] = Counter()
        prefixes: Counter[tuple[str, tuple[str, ...], tuple[str, ...]]] = Counter()
        # Insertion order does not matter: ties are broken by the sorts below.
        for h, (_, b) in self.result.items():
            if b is None:
                continue
            old, new = self.base[b], self.head[h]
            if old.path == new.path or old.path in self.head_paths:
                continue
            moves[(old.path, new.path)] += 1
            prefixes[(old.path, *_item_rewrite(old.item, new.item))] += 1
        path_map: dict[str, str] = {}
        for (old_path, new_path), _ in sorted(moves.items(), key=lambda kv: (-kv[1], kv[0])):
            path_map.setdefault(old_path, new_path)
        prefix_map: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
        for (old_path, old_prefix, new_prefix), _ in sorted(
            prefixes.items(), key=lambda kv: (-kv[1], kv[0])
        ):
            prefix_map.setdefault(old_path, (old_prefix, new_prefix))
        return path_map, prefix_map

    def delta(self) -> Delta:
        out: list[SiteDelta] = []
        used: set[int] = set()
        for h, site in enumerate(self.head):
            status, b = self.result.get(h, (Status.NEW, None))
            if b is not None:
                used.add(b)
            out.append(SiteDelta(status, site, self.base[b] if b is not None else None))
        for b, site in enumerate(self.base):
            if b not in used:
                out.append(SiteDelta(Status.REMOVED, None, site))
        # Head sites come in source order and removed ones after them, also in order, so a
        # stable sort by status alone gives (status, source order) without a key per site.
        out.sort(key=lambda d: _STATUS_ORDER[d.status])
        return Delta(tuple(out))


def _index_by_path(sites: Sequence[Site]) -> dict[str, list[int]]:
    """Indexes of ``sites`` (sorted by :func:`_order`) per path, in order."""
    out: dict[str, list[int]] = {}
    for i, site in enumerate(sites):
        out.setdefault(site.path, []).append(i)
    return out


def _item_rewrite(old: str, new: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The module prefixes that differ between two item paths with a common tail."""
    a, b = old.split("::") if old else [], new.split("::") if new else []
    while a and b and a[-1] == b[-1]:
        a, b = a[:-1], b[:-1]
    return tuple(a), tuple(b)


def _rewrite_item(item: str, rewrite: tuple[tuple[str, ...], tuple[str, ...]] | None) -> str:
    if rewrite is None:
        return item
    parts = tuple(item.split("::")) if item else ()
    old, new = rewrite
    if parts[: len(old)] != old:
        return item
    return "::".join(new + parts[len(old) :])


def classify(base: Iterable[FileResult], head: Iterable[FileResult]) -> Delta:
    """Classify every site of base and head (each side: the results of its files, every file
    listed, with or without sites). Deterministic; each site is paired at most once.

    Rules, in order (each pairs only sites that earlier rules left unpaired):

    1. equal ``id`` -> unchanged, or moved when the file differs (``foo.rs`` -> ``foo/mod.rs``);
    2. equal ``token_hash`` -> moved (another file, item or crate);
    3. equal ``compat_hash`` -> migrated (only edition-2024 markers differ);
    4. same kind (``extern`` blocks with or without ``unsafe`` are one kind), file, item and
       name -> changed; several such sites in one item pair in order of occurrence. A file that
       no longer exists counts as the file its other sites moved to. Then extern blocks that
       differ in their ABI too (``extern "C" {`` -> ``unsafe extern "C-unwind" {``) -> changed;
    5. sites edition 2024 creates without a base counterpart -> migrated: ``#[unsafe(attr)]``
       where base had ``#[attr]`` on the same item; ``unsafe fn`` declarations in a migrated
       ``unsafe extern`` block; an ``unsafe {}`` block that is the whole body of a migrated
       ``unsafe fn``;
    6. the rest: new (head only) and removed (base only).

    Candidates in the same file are taken in order of occurrence; otherwise the same item
    name wins, then the nearest line.
    """
    base_files, head_files = list(base), list(head)
    base_sites = [s for f in base_files for s in f.sites]
    head_sites = [s for f in head_files for s in f.sites]
    m = _Matcher(base_sites, head_sites, {f.path for f in head_files})

    def same_or_moved(head: Site, base: Site) -> Status:
        return Status.UNCHANGED if head.path == base.path else Status.MOVED

    m.pair_unchanged_files()
    m.pair(lambda s: s.id, lambda s: s.id, same_or_moved)
    m.pair(lambda s: s.token_hash, lambda s: s.token_hash, lambda h, b: Status.MOVED)
    m.pair(
        lambda s: (_family(s.kind), s.compat_hash) if s.compat_hash else None,
        lambda s: (_family(s.kind), s.compat_hash) if s.compat_hash else None,
        lambda h, b: Status.MIGRATED,
    )
    path_map, prefix_map = m.renames()

    def changed_or_migrated(head: Site, base: Site) -> Status:
        # Equal edition-neutral hashes were mostly paired above; this catches the pairs whose
        # first candidate was taken by another site.
        return Status.MIGRATED if head.compat_hash == base.compat_hash else Status.CHANGED

    def place(s: Site) -> tuple[str, str]:
        return path_map.get(s.path, s.path), _rewrite_item(s.item, prefix_map.get(s.path))

    m.pair(
        lambda s: (_family(s.kind), s.path, s.item, s.name),
        lambda s: (_family(s.kind), *place(s), s.name),
        changed_or_migrated,
    )
    # An extern block's name is its ABI: a block whose ABI changed too (`extern "C" {` ->
    # `unsafe extern "C-unwind" {`, as pgrx 0.13 asks) is the same block, changed.
    m.pair(
        lambda s: (s.path, s.item) if _family(s.kind) is SiteKind.EXTERN_BLOCK else None,
        lambda s: place(s) if _family(s.kind) is SiteKind.EXTERN_BLOCK else None,
        changed_or_migrated,
    )
    attributes = {f.path: f.plain_attributes for f in base_files if f.plain_attributes}
    _edition_2024_sites(m, {v: k for k, v in path_map.items()}, attributes)
    return m.delta()


# -- edition 2024: sites that have no base counterpart by construction -------------------------


def _edition_2024_sites(
    m: _Matcher,
    head_to_base_path: dict[str, str],
    base_attributes: Mapping[str, Sequence[PlainAttribute]],
) -> None:
    if not m.head_left:
        return  # every head site is paired: nothing edition 2024 could have created
    head_index = {(s.path, s.id): i for i, s in enumerate(m.head)}
    used_attrs: set[tuple[str, int]] = set()

    def in_migrated(site: Site, kind: SiteKind) -> bool:
        """True when the site's parent is a migrated site of ``kind``."""
        p = head_index.get((site.path, site.parent)) if site.parent is not None else None
        return p is not None and m.head[p].kind is kind and m.status_of_head(p) is Status.MIGRATED

    for h in list(m.head_left):
        site = m.head[h]
        if site.kind is SiteKind.UNSAFE_ATTRIBUTE and site.wrapped_attribute:
            base_path = head_to_base_path.get(site.path, site.path)
            tail = _tail(site.item)
            for index, plain in enumerate(base_attributes.get(base_path, ())):
                if (base_path, index) in used_attrs or plain.attribute != site.wrapped_attribute:
                    continue
                if not plain.is_on(tail):
                    continue
                used_attrs.add((base_path, index))
                m.mark(h, Status.MIGRATED)
                break
        elif (
            site.kind is SiteKind.UNSAFE_FN and in_migrated(site, SiteKind.UNSAFE_EXTERN_BLOCK)
        ) or (site.whole_fn_body and in_migrated(site, SiteKind.UNSAFE_FN)):
            m.mark(h, Status.MIGRATED)
