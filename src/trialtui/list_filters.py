"""The trial list's filters, one meaning everywhere: `trialtui list`'s flags and the TUI's filter
dialog both turn what the user gave into `ListFilters` with `list_filters`.

Phases: ``1`` admits every trial that includes phase 1 (so a phase 1/2 trial too), ``1/2`` only
trials registered as phase 1/2; early phase 1 (the former phase 0) is its own value, ``early1``
(or ``0``), and ``1`` does not include it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from trialtui.countries import CountryChoice, resolve_country
from trialtui.distances import DistanceError, Near, parse_distance
from trialtui.fetch.params import QueryError, normalise_phase, normalise_status
from trialtui.models import display_enum
from trialtui.places import PlaceError, resolve_place
from trialtui.review import STATUS_WORDS, ReviewFilter
from trialtui.review import STATUSES as REVIEW_STATUSES
from trialtui.search.index import SearchFilters

STATUSES = ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION", "ACTIVE_NOT_RECRUITING",
            "COMPLETED", "SUSPENDED", "TERMINATED", "WITHDRAWN", "UNKNOWN")
"""The recruitment statuses the dialog offers (any of `fetch.params.STATUSES` is accepted)."""
PHASES = ("EARLY_PHASE1", "PHASE1", "PHASE1/PHASE2", "PHASE2", "PHASE2/PHASE3", "PHASE3", "PHASE4", "NA")
"""Phase values: single phases, and the two combined phases the registry uses."""
PHASE_WORDS = {"EARLY_PHASE1": "Early Phase 1", "PHASE1": "Phase 1", "PHASE1/PHASE2": "Phase 1/2",
               "PHASE2": "Phase 2", "PHASE2/PHASE3": "Phase 2/3", "PHASE3": "Phase 3", "PHASE4": "Phase 4",
               "NA": "Not applicable"}
MAX_AGE = 150


class FilterError(ValueError):
    """A filter value that means nothing: one line saying which and what would do."""


@dataclass(frozen=True)
class ListFilters:
    search: SearchFilters = SearchFilters()
    review: ReviewFilter = ReviewFilter()
    near: Near | None = None

    def __bool__(self) -> bool:
        return bool(self.search or self.review or self.near)


def phase_value(text: str) -> str:
    """``2``, ``phase 2``, ``PHASE2``, ``1/2``, ``phase 1/2``, ``early1``, ``na`` → a `PHASES` value."""
    try:
        return normalise_phase(text)
    except QueryError:
        pass
    parts = [part for part in re.split(r"\s*/\s*", text.strip()) if part]
    if len(parts) == 2:
        try:
            first = normalise_phase(parts[0])
            second = normalise_phase(parts[1] if parts[1][:1].isalpha() else "phase" + parts[1])
        except QueryError:
            first = second = ""
        if f"{first}/{second}" in PHASES:
            return f"{first}/{second}"
    raise FilterError(f"unknown phase {text!r} (one of: early1, 1, 2, 3, 4, 1/2, 2/3, na)")


def list_filters(*, statuses: Iterable[str] = (), phases: Iterable[str] = (), country: str = "",
                 age: str | float | None = None, review: Iterable[str] = (), tags: Iterable[str] = (),
                 starred: bool = False, countries: Iterable[str] = (), near: str = "",
                 within: str = "") -> tuple[ListFilters, CountryChoice | None]:
    """The filters for these values as the user gave them, and how `country` was read among the
    library's `countries` (None if no country was given); `near` a place, `within` a distance
    from it (default 50 km; how the place was read is `ListFilters.near.choice`). Raises
    `FilterError` for a value that means nothing: an unknown status, phase or review status, an
    age that is not a number of years, a country nothing in the library comes close to, a place
    nothing in the gazetteer comes close to, a distance that is not one, a distance without a place."""
    try:
        chosen_statuses = frozenset(normalise_status(s) for s in statuses)
    except QueryError as err:
        raise FilterError(str(err)) from None
    chosen_phases = frozenset(phase_value(p) for p in phases)
    years = None
    if age is not None and str(age).strip():
        try:
            years = float(age)
        except ValueError:
            raise FilterError(f"age {str(age).strip()!r} is not a number of years") from None
        if not 0 <= years <= MAX_AGE:
            raise FilterError(f"age {years:g} is not between 0 and {MAX_AGE} years")
    wanted_review = set()
    for value in review:
        status = value.strip().lower().replace(" ", "_")
        if status not in REVIEW_STATUSES:
            raise FilterError(f"unknown review status {value!r} (one of: {', '.join(REVIEW_STATUSES)})")
        wanted_review.add(status)
    chosen_near = None
    try:
        km, unit = parse_distance(within)
        if near.strip():
            chosen_near = Near(resolve_place(near), km, unit)
        elif within.strip():
            raise FilterError(f"a distance ({within.strip()}) needs a place to be near")
    except (PlaceError, DistanceError) as err:
        raise FilterError(str(err)) from None
    choice = None
    if country.strip():
        choice = resolve_country(country, countries)
        if choice.country is None:
            near = f"; the closest the library lists: {', '.join(choice.candidates)}" if choice.candidates else ""
            raise FilterError(f"no country like {country.strip()!r} among the trials' sites{near}")
    return ListFilters(
        SearchFilters(statuses=chosen_statuses, phases=chosen_phases,
                      country=choice.country if choice else None, patient_age=years),
        ReviewFilter(statuses=frozenset(wanted_review), tags=frozenset(t.strip() for t in tags if t.strip()),
                     starred=starred),
        chosen_near,
    ), choice


def describe_filters(chosen: ListFilters | None) -> str:
    """"Recruiting · Phase 1, Phase 2 · China · open at age 8 · Shortlisted · tag peds · ★ starred"."""
    if not chosen:
        return ""
    filters, review = chosen.search, chosen.review
    parts = []
    if filters.statuses:
        parts.append(", ".join(display_enum(s) for s in sorted(filters.statuses, key=_status_order)))
    if filters.phases:
        parts.append(", ".join(PHASE_WORDS[p] for p in PHASES if p in filters.phases))
    if filters.country:
        parts.append(filters.country)
    if filters.patient_age is not None:
        parts.append(f"open at age {filters.patient_age:g}")
    if chosen.near:
        parts.append(chosen.near.describe())
    if review.statuses:
        parts.append(", ".join(STATUS_WORDS[s] for s in REVIEW_STATUSES if s in review.statuses))
    if review.tags:
        parts.append("tag " + " or ".join(sorted(review.tags)))
    if review.starred:
        parts.append("★ starred")
    return " · ".join(parts)


def _status_order(status: str) -> int:
    return STATUSES.index(status) if status in STATUSES else len(STATUSES)
