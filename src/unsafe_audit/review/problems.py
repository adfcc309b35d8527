"""How the review screen words what stops a sign-off (the command line words it its own way)."""

from __future__ import annotations

from unsafe_audit import signoff

PROBLEM_TEXT: dict[signoff.Gap, str] = {
    signoff.Gap.NO_ITEMS: "the checklist has no item for this kind of site",
    signoff.Gap.UNANSWERED: "{count} item(s) unanswered: {items}",
    signoff.Gap.NO_PATTERN: "no lifetime pattern chosen (borrow / own / pin / n/a)",
    signoff.Gap.UNKNOWN_PATTERN: "the lifetime pattern is not one of the checklist's",
    signoff.Gap.NO_JUSTIFICATION: "the justification is empty (press e to write it)",
    signoff.Gap.FAIL_NEEDS_OWN_WORDS: (
        "a fail answer needs a justification of why the site ships anyway (edit the prefilled text)"
    ),
    signoff.Gap.NO_REVIEWER: (
        "no reviewer: set git config user.name and user.email, or pass --reviewer"
    ),
}
"""How the review screen words each gap (the command line words them its own way)."""


def word(problem: signoff.Problem) -> str:
    """``problem`` as the review screen says it."""
    return PROBLEM_TEXT[problem.gap].format(
        count=len(problem.items), items=", ".join(problem.items)
    )
