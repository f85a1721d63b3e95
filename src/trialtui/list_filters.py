"""The trial list's filters, one meaning everywhere: `trialtui list`'s flags and the TUI's filter
dialog both turn what the user gave into `ListFilters` with `list_filters`.

Phases: a value admits the trials registered as that phase, as the contract's "phase is P"
says: ``1`` phase 1 trials, ``1/2`` phase 1/2 trials (``--phase 1 --phase 1/2`` both); early
phase 1 (what some records call phase 0) is its own value, ``early1`` (or ``0``).

The registry's own filters (study type, sex, age group, healthy volunteers, intervention type,
funder type, results, start and last-update dates) mean what ClinicalTrials.gov's search means by
them (see `search.facts`). Dates are given as the registry writes them, whole or partial
(``2020``, ``2020-03``, ``2020-03-15``, "March 2020"); a range includes both ends whole: from
``2020-01`` to ``2021-12`` is every date of those two years.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from trialtui.countries import CountryChoice, resolve_country
from trialtui.distances import DistanceError, Near, parse_distance
from trialtui.enum_words import display_enum
from trialtui.fetch.params import QueryError, normalise_phase, normalise_status
from trialtui.ingest.enums import to_iso_date
from trialtui.places import PlaceError, resolve_place
from trialtui.review import STATUS_WORDS, ReviewFilter
from trialtui.review import STATUSES as REVIEW_STATUSES
from trialtui.search.facts import AGE_GROUPS, INTERVENTION_TYPES, STUDY_TYPES
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
STUDY_TYPE_WORDS = {"INTERVENTIONAL": "Interventional", "OBSERVATIONAL": "Observational",
                    "EXPANDED_ACCESS": "Expanded access"}
SEX_WORDS = {"FEMALE": "Female", "MALE": "Male"}
AGE_GROUP_WORDS = {"CHILD": "Child (0-17)", "ADULT": "Adult (18-64)", "OLDER_ADULT": "Older adult (65+)"}
INTERVENTION_WORDS = {kind: kind.replace("_", " ").capitalize() for kind in INTERVENTION_TYPES}
FUNDER_WORDS = {"NIH": "NIH", "FED": "Other U.S. federal agency", "INDUSTRY": "Industry", "OTHER": "All others"}
FUNDER_FLAGS = {"NIH": "nih", "FED": "federal", "INDUSTRY": "industry", "OTHER": "other"}
"""How `trialtui list --funder` names each funder type (``fed`` is read as ``federal`` too)."""
_LAST = 99
"""Stands for a month or day an end date leaves out: ``2021`` to 2021-99-99, after all of 2021."""
_NO_START, _NO_END = 1, 99999999
"""The ends of a date range given only one end (a trial with no date is never in a range)."""
_WHOLE_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


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


def _choices(values: Iterable[str], what: str, names: Mapping[str, str],
             aliases: Mapping[str, str] | None = None) -> frozenset[str]:
    """Registry values for what the user typed: `names` maps each value to the word a flag uses
    (``"EXPANDED_ACCESS"`` → ``"expanded_access"``), matched ignoring case, spaces and dashes."""
    by_word = {word.upper(): value for value, word in names.items()} | dict(aliases or {})
    chosen = set()
    for text in values:
        key = "_".join(text.replace("-", " ").upper().split())
        if key not in by_word:
            raise FilterError(f"unknown {what} {text.strip()!r} (one of: {', '.join(names.values())})")
        chosen.add(by_word[key])
    return frozenset(chosen)


def _flag_words(values: Iterable[str]) -> dict[str, str]:
    return {value: value.lower() for value in values}


def _date_bound(text: str, what: str, end: bool) -> int | None:
    """A date as `search.facts.date_number` writes it (None if `text` is blank); at the `end`
    of a range the parts a partial date leaves out stand for its last month and day."""
    if not text.strip():
        return None
    match = _WHOLE_DATE.match(to_iso_date(text))
    year, month, day = (int(part) if part else None for part in match.groups()) if match else (None,) * 3
    try:
        if year is None:
            raise ValueError
        datetime.date(year, month or 1, day or 1)
    except ValueError:
        raise FilterError(f"{what} {text.strip()!r} is not a date (2020, 2020-03 or 2020-03-15)") from None
    missing = _LAST if end else 0
    return year * 10000 + (month or missing) * 100 + (day or missing)


def _date_range(low_text: str, high_text: str, what: str) -> tuple[int, int] | None:
    low = _date_bound(low_text, f"{what} from", end=False)
    high = _date_bound(high_text, f"{what} to", end=True)
    if low is None and high is None:
        return None
    if low is not None and high is not None and low > high:
        raise FilterError(f"{what}s from {low_text.strip()} to {high_text.strip()}: the first is after the second")
    return (_NO_START if low is None else low, _NO_END if high is None else high)


def list_filters(*, statuses: Iterable[str] = (), phases: Iterable[str] = (), countries: Iterable[str] = (),
                 ages: Iterable[str | float] = (), review: Iterable[str] = (), tags: Iterable[str] = (),
                 starred: bool = False, known_countries: Iterable[str] = (), places: Iterable[str] = (),
                 within: str = "", study_types: Iterable[str] = (), sexes: Iterable[str] = (),
                 age_groups: Iterable[str] = (), healthy_volunteers: bool = False,
                 intervention_types: Iterable[str] = (), funder_types: Iterable[str] = (),
                 has_results: bool | None = None, start_from: str = "", start_to: str = "", updated_from: str = "",
                 updated_to: str = "") -> tuple[ListFilters, tuple[CountryChoice, ...]]:
    """The filters for these values as the user gave them, and how each of `countries` was read
    among the `known_countries` the library lists. Several values of one filter admit a trial any
    of them admits: `countries` a site in any, `ages` any age, `places` a site within `within`
    (default 50 km) of any place (how each was read is in `ListFilters.near.places`). Blank
    values are skipped. Raises `FilterError` for a value that means nothing: an unknown status,
    phase, review status, study type, sex, age group, intervention or funder type, an age that is
    not a number of years, a date that is not one (or a range ending before it starts), a country
    nothing in the library comes close to, a place nothing in the gazetteer comes close to, a
    distance that is not one, a distance without a place."""
    registry = {
        "study_types": _choices(study_types, "study type", _flag_words(STUDY_TYPES)),
        "sexes": _choices(sexes, "sex", _flag_words(SEX_WORDS)),
        "age_groups": _choices(age_groups, "age group", _flag_words(AGE_GROUPS)),
        "healthy_volunteers": healthy_volunteers,
        "intervention_types": _choices(intervention_types, "intervention type", _flag_words(INTERVENTION_TYPES)),
        "funder_types": _choices(funder_types, "funder type", FUNDER_FLAGS, {"FED": "FED"}),
        "has_results": has_results,
        "started": _date_range(start_from, start_to, "start date"),
        "updated": _date_range(updated_from, updated_to, "last update"),
    }
    try:
        chosen_statuses = frozenset(normalise_status(s) for s in statuses)
    except QueryError as err:
        raise FilterError(str(err)) from None
    chosen_phases = frozenset(phase_value(p) for p in phases)
    years = frozenset(_years(age) for age in ages if str(age).strip())
    wanted_review = set()
    for value in review:
        status = value.strip().lower().replace(" ", "_")
        if status not in REVIEW_STATUSES:
            raise FilterError(f"unknown review status {value!r} (one of: {', '.join(REVIEW_STATUSES)})")
        wanted_review.add(status)
    chosen_near = None
    try:
        km, unit = parse_distance(within)
        if chosen_places := tuple(resolve_place(place) for place in places if place.strip()):
            chosen_near = Near(chosen_places, km, unit)
        elif within.strip():
            raise FilterError(f"a distance ({within.strip()}) needs a place to be near")
    except (PlaceError, DistanceError) as err:
        raise FilterError(str(err)) from None
    known = list(known_countries)
    choices = tuple(_country(typed, known) for typed in countries if typed.strip())
    return ListFilters(
        SearchFilters(statuses=chosen_statuses, phases=chosen_phases,
                      countries=frozenset(choice.country for choice in choices), patient_ages=years, **registry),
        ReviewFilter(statuses=frozenset(wanted_review), tags=frozenset(t.strip() for t in tags if t.strip()),
                     starred=starred),
        chosen_near,
    ), choices


def _years(age: str | float) -> float:
    """An age as a number of years, checked."""
    try:
        years = float(age)
    except ValueError:
        raise FilterError(f"age {str(age).strip()!r} is not a number of years") from None
    if not 0 <= years <= MAX_AGE:
        raise FilterError(f"age {years:g} is not between 0 and {MAX_AGE} years")
    return years


def _country(typed: str, known: list[str]) -> CountryChoice:
    """The country `typed` is read as among the `known` names; one nothing comes close to is an error."""
    choice = resolve_country(typed, known)
    if choice.country is None:
        closest = f"; the closest the library lists: {', '.join(choice.candidates)}" if choice.candidates else ""
        raise FilterError(f"no country like {typed.strip()!r} among the trials' sites{closest}")
    return choice


def describe_filters(chosen: ListFilters | None) -> str:
    """"Recruiting · Phase 1, Phase 2 · China or France · open at age 8 or 12 · Shortlisted · tag peds · ★ starred"."""
    if not chosen:
        return ""
    filters, review = chosen.search, chosen.review
    parts = []
    if filters.statuses:
        parts.append(", ".join(display_enum(s) for s in sorted(filters.statuses, key=_status_order)))
    if filters.phases:
        parts.append(", ".join(PHASE_WORDS[p] for p in PHASES if p in filters.phases))
    if filters.countries:
        parts.append(" or ".join(sorted(filters.countries)))
    if filters.patient_ages:
        parts.append("open at age " + " or ".join(f"{age:g}" for age in sorted(filters.patient_ages)))
    if chosen.near:
        parts.append(chosen.near.describe())
    for chosen_values, words in ((filters.study_types, STUDY_TYPE_WORDS), (filters.sexes, SEX_WORDS),
                                 (filters.age_groups, AGE_GROUP_WORDS),
                                 (filters.intervention_types, INTERVENTION_WORDS)):
        if chosen_values:
            parts.append(", ".join(word for value, word in words.items() if value in chosen_values))
    if filters.funder_types:
        parts.append("funder " + ", ".join(word for value, word in FUNDER_WORDS.items()
                                           if value in filters.funder_types))
    if filters.healthy_volunteers:
        parts.append("healthy volunteers")
    if filters.has_results is not None:
        parts.append("with results" if filters.has_results else "without results")
    for span, what in ((filters.started, "started"), (filters.updated, "updated")):
        if span:
            parts.append(_describe_range(what, span))
    if review.statuses:
        parts.append(", ".join(STATUS_WORDS[s] for s in REVIEW_STATUSES if s in review.statuses))
    if review.tags:
        parts.append("tag " + " or ".join(sorted(review.tags)))
    if review.starred:
        parts.append("★ starred")
    return " · ".join(parts)


def range_texts(span: tuple[int, int] | None) -> tuple[str, str]:
    """A date range's ends as the user would type them again (``""`` for an open end)."""
    if span is None:
        return "", ""
    low, high = span
    return ("" if low == _NO_START else _date_text(low)), ("" if high == _NO_END else _date_text(high))


def _date_text(number: int) -> str:
    year, month, day = number // 10000, number // 100 % 100, number % 100
    if month in (0, _LAST):
        return f"{year}"
    return f"{year}-{month:02d}" if day in (0, _LAST) else f"{year}-{month:02d}-{day:02d}"


def _describe_range(what: str, span: tuple[int, int]) -> str:
    """"started 2020-01 to 2021-12", "updated from 2024", "started by 2019-06-30"."""
    low, high = range_texts(span)
    if not high:
        return f"{what} from {low}"
    return f"{what} by {high}" if not low else f"{what} {low} to {high}"


def _status_order(status: str) -> int:
    return STATUSES.index(status) if status in STATUSES else len(STATUSES)
