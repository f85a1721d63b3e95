"""The reviewer's vocabulary: review statuses, criterion marks, and stable keys for what is marked.

Marks on a criterion or a threshold are keyed by content, not position, so they stay on the right
line when a trial is re-imported or a new version reorders its criteria.
"""

from __future__ import annotations

import hashlib
import re

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
