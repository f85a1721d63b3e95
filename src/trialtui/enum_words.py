"""Registry enumerations in words for people: ``NOT_YET_RECRUITING`` → "Not yet recruiting".

Apart from the pydantic models, so that the list and the record's sections can draw without
importing pydantic (the app's first frame comes before any record is read).
"""

from __future__ import annotations

_ENUM_WORDS = {
    "NA": "Not applicable",
    "EARLY_PHASE1": "Early Phase 1",
    "PHASE1": "Phase 1",
    "PHASE2": "Phase 2",
    "PHASE3": "Phase 3",
    "PHASE4": "Phase 4",
}


def display_enum(value: str) -> str:
    """``NOT_YET_RECRUITING`` → "Not yet recruiting"; ``PHASE1`` → "Phase 1"."""
    if value in _ENUM_WORDS:
        return _ENUM_WORDS[value]
    if not value or not value.replace("_", "").isupper():
        return value
    words = value.replace("_", " ").lower()
    return words[:1].upper() + words[1:]


def display_phases(phases: list[str]) -> str:
    """``["PHASE1", "PHASE2"]`` → "Phase 1/Phase 2"; nothing → "" ."""
    return "/".join(display_enum(p) for p in phases)
