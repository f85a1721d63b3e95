"""Two trials side by side beyond the thresholds: the facts a coordinator weighs next.

Phase, status, enrollment, ages, sex, arms, interventions, countries and sites, as short texts,
so the compare screen and a Markdown report show the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trialtui.enum_words import display_enum, display_phases
from trialtui.sections import counted

if TYPE_CHECKING:
    from trialtui.models import Trial


@dataclass(frozen=True, slots=True)
class FactRow:
    label: str
    a: str
    b: str


def _ages(t: Trial) -> str:
    low, high = t.eligibility.minimum_age, t.eligibility.maximum_age
    if not low and not high:
        return "any age"
    return f"{low or 'no minimum'} – {high or 'no maximum'}"


def _enrollment(t: Trial) -> str:
    if t.enrollment is None:
        return "—"
    return f"{t.enrollment}" + (f" ({display_enum(t.enrollment_type).lower()})" if t.enrollment_type else "")


def _listing(values: list[str], most: int = 6) -> str:
    if not values:
        return "—"
    shown = "; ".join(values[:most])
    return shown + (f"; … {len(values) - most} more" if len(values) > most else "")


def _sites(t: Trial) -> str:
    if not t.locations:
        return "—"
    cities = list(dict.fromkeys(loc.city for loc in t.locations if loc.city))
    return counted(len(t.locations), "site") + (f": {_listing(cities, 5)}" if cities else "")


def _healthy(t: Trial) -> str:
    return {True: "yes", False: "no", None: "—"}[t.eligibility.healthy_volunteers]


_FACTS: tuple[tuple[str, Callable[[Trial], str]], ...] = (
    ("Status", lambda t: display_enum(t.overall_status) or "—"),
    ("Phase", lambda t: display_phases(t.phases) or "—"),
    ("Study type", lambda t: display_enum(t.study_type) or "—"),
    ("Enrollment", _enrollment),
    ("Ages", _ages),
    ("Sex", lambda t: display_enum(t.eligibility.sex) or "—"),
    ("Healthy volunteers", _healthy),
    ("Conditions", lambda t: _listing(t.conditions)),
    ("Arms", lambda t: _listing([a.label + (f" ({display_enum(a.type)})" if a.type else "") for a in t.arms])),
    ("Interventions", lambda t: _listing([i.name for i in t.interventions])),
    ("Lead sponsor", lambda t: t.lead_sponsor or "—"),
    ("Countries", lambda t: _listing(t.all_countries, 8)),
    ("Sites", _sites),
    ("Start", lambda t: t.start_date or "—"),
    ("Completion", lambda t: t.completion_date or "—"),
    ("Last update", lambda t: t.last_update_posted or "—"),
)


def record_facts(a: Trial, b: Trial) -> list[FactRow]:
    """The non-threshold facts of two trials, one row per fact, in the order people compare them."""
    return [FactRow(label, fact(a), fact(b)) for label, fact in _FACTS]


@dataclass(frozen=True, slots=True)
class Comparison:
    """Everything the compare screen and a comparison report show."""

    a: Trial
    b: Trial
    threshold_rows: list
    """`DiffRow`s from trialtui.eligibility.diff, one per measure."""
    facts: list[FactRow]


def compare(a: Trial, b: Trial, thresholds_a: list, thresholds_b: list) -> Comparison:
    from trialtui.eligibility.diff import diff_thresholds

    return Comparison(a, b, diff_thresholds(thresholds_a, thresholds_b), record_facts(a, b))
