"""Which tagged commits descend from the revision under audit, asking git as little as it can."""

from __future__ import annotations

from collections.abc import Callable


class LaterTags:
    """An ``is_ancestor(head, tag commit)`` for the choice of a release, asking git at most twice.

    The choice asks about release tags from the highest version down and stops at the first
    that does not descend from head: usually the first (head is newer than every release),
    which one ``merge-base --is-ancestor`` answers. Past that, one ``for-each-ref --contains``
    names every tag that descends from head at once, instead of a call per tag (96 on pgrx);
    where git cannot tell (a shallow clone missing a tagged commit), each tag is asked alone.
    """

    def __init__(
        self,
        head: str,
        ask: Callable[[str, str], bool],
        containing: Callable[[str], set[str] | None],
    ) -> None:
        """``ask(a, b)``: one git call, is ``a`` an ancestor of ``b``; ``containing(c)``: the
        commits of every tag whose history holds ``c``, or None when git cannot tell."""
        self._head = head
        self._ask = ask
        self._containing = containing
        self._asked = 0
        self._later: set[str] | None = None
        self._listed = False

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """True when ``ancestor`` is ``descendant`` or one of its ancestors."""
        if ancestor != self._head:
            return self._ask(ancestor, descendant)
        if not self._listed and self._asked >= 1:
            self._listed = True
            self._later = self._containing(self._head)
        if self._later is not None:
            return descendant in self._later
        self._asked += 1
        return self._ask(ancestor, descendant)
