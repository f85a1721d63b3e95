"""The reviewer's vocabulary: review statuses, criterion marks, and stable keys for what is marked.

Marks on a criterion or a threshold are keyed by content, not position, so they stay on the right
line when a trial is re-imported or a new version reorders its criteria.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

STATUSES = ("unreviewed", "shortlisted", "excluded", "contacted", "enrolled")
STATUS_WORDS = {
    "unreviewed": "Unreviewed",
    "shortlisted": "Shortlisted",
    "excluded": "Excluded",
    "contacted": "Contacted",
    "enrolled": "Enrolled",
}
STATUS_GLYPHS = {"unreviewed": "", "shortlisted": "✚", "excluded": "⊘", "contacted": "☎", "enrolled": "✔"}

MARKS = ("meets", "fails", "ask_site")
MARK_WORDS = {"meets": "patient meets", "fails": "patient fails", "ask_site": "ask site"}
MARK_GLYPHS = {"meets": "✓", "fails": "✗", "ask_site": "?", "": " "}

_SPACE = re.compile(r"\s+")


def criterion_key(item) -> str:
    """``criterion:<hash>`` of the item's section and whitespace-folded text."""
    text = _SPACE.sub(" ", item.text.strip().casefold())
    digest = hashlib.sha1(f"{item.section}|{text}".encode()).hexdigest()[:12]
    return f"criterion:{digest}"


def threshold_key(threshold) -> str:
    """``threshold:anc:lower`` (plus ``:if <condition>`` for a conditional limit)."""
    key = f"threshold:{threshold.measure}:{threshold.bound}"
    return key + (f":if {threshold.condition}" if threshold.condition else "")


@dataclass(frozen=True)
class ReviewFilter:
    """Narrow the list by the reviewer's own annotations: any of some statuses, any of some tags
    (case aside), starred only."""

    statuses: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    starred: bool = False

    def __bool__(self) -> bool:
        return bool(self.statuses or self.tags or self.starred)

    def admits(self, annotation) -> bool:
        """Whether a trial with this annotation (None: never annotated) passes."""
        status = annotation.status if annotation else "unreviewed"
        if self.statuses and status not in self.statuses:
            return False
        if self.starred and not (annotation and annotation.star):
            return False
        if self.tags:
            wanted = {tag.casefold() for tag in self.tags}
            return bool(annotation) and any(t.casefold() in wanted for t in annotation.tags)
        return True


def review_rank(annotation) -> tuple[int, int]:
    """Sort order for "by review": starred first, then shortlisted, contacted, enrolled,
    unreviewed, excluded."""
    order = ("shortlisted", "contacted", "enrolled", "unreviewed", "excluded")
    status = annotation.status if annotation else "unreviewed"
    return (0 if annotation and annotation.star else 1, order.index(status) if status in order else len(order))
