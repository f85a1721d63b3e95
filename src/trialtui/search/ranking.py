"""How much a match is worth: match kind first, then how specific the field is.

Scores are tiered so that for one term an exact match always beats a prefix match, which always
beats a typo match; inside a tier the field decides (a drug name beats an arm description).
Small bonuses, never enough to cross a tier, reward terms found together in one field value
(``Great Ormond Street``), values the query covers nearly whole, and several fields agreeing.
"""

from __future__ import annotations

from enum import IntEnum

FIELD_WEIGHTS: dict[str, float] = {
    "ids": 1.0,
    "drugs": 1.0,
    "facilities": 0.9,
    "cities": 0.9,
    "sponsors": 0.8,
    "conditions": 0.8,
    "title": 0.75,
    "keywords": 0.7,
    "states": 0.6,
    "countries": 0.55,
    "official_title": 0.5,
    "drug_text": 0.4,
}
"""Every searched field, most specific first (the index's field order)."""

FIELDS = tuple(FIELD_WEIGHTS)


class Kind(IntEnum):
    """How a query word met an indexed term, best first."""

    EXACT = 0
    PREFIX = 1
    TYPO = 2
    TYPO_PREFIX = 3


def term_score_parts(kind: Kind, closeness=1.0):
    """``(base, per_weight)`` with ``term_score = base + per_weight * weight``; `closeness` may be
    a numpy array (scoring many terms at once)."""
    if kind is Kind.EXACT:
        return 0.75, 0.25
    if kind is Kind.PREFIX:
        return 0.5 + 0.05 * closeness, 0.2
    if kind is Kind.TYPO:
        return 0.25 + 0.05 * closeness, 0.15
    return 0.15, 0.1


def term_score(kind: Kind, weight: float, closeness: float = 1.0) -> float:
    """One query word's worth in one field, 0..1.

    `closeness` is 0..1: for a prefix, how much of the word is typed; for a typo, 1 for one edit
    and 0 for two.
    """
    base, per_weight = term_score_parts(kind, closeness)
    return base + per_weight * weight


MULTI_FIELD_BONUS = 0.01
"""Per extra field a word matched in (at most three)."""
TOGETHER_BONUS = 0.05
"""All query words in one field value."""
COVER_BONUS = 0.04
"""The matched value is all query words (a drug named exactly, a city alone)."""
MAX_SCORE = 1.0 + 3 * MULTI_FIELD_BONUS + TOGETHER_BONUS + COVER_BONUS


def to_percent(raw: float) -> float:
    return round(min(100.0, 100.0 * raw / MAX_SCORE), 2)
