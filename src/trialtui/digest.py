"""The compact digest of a trial: what the trial list and the search index need, nothing more.

A full `Trial` is a few kilobytes of pydantic objects; the app must hold ~570,000 of these, so the
list and the index work on `TrialDigest` (plain tuples of strings) and read full records lazily.
The library stores each digest beside its record so start-up never parses full records.
"""

from __future__ import annotations

import json
import re
from dataclasses import astuple, dataclass, fields
from functools import lru_cache
from itertools import chain
from operator import attrgetter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from trialtui.models import Location, Trial

_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]+)?")
_UNIT_YEARS = {
    "year": 1.0, "years": 1.0, "yr": 1.0, "yrs": 1.0, "y": 1.0,
    "month": 1 / 12, "months": 1 / 12, "mo": 1 / 12,
    "week": 7 / 365.25, "weeks": 7 / 365.25, "wk": 7 / 365.25, "wks": 7 / 365.25,
    "day": 1 / 365.25, "days": 1 / 365.25,
    "hour": 1 / 8766, "hours": 1 / 8766,
    "minute": 1 / 525960, "minutes": 1 / 525960,
}


@lru_cache(maxsize=4096)  # the registry writes a few hundred ages ("18 Years"), over and over
def age_in_years(text: str) -> float | None:
    """``"18 Years"`` → 18.0, ``"6 Months"`` → 0.5, ``"N/A"`` or ``""`` → None."""
    match = _AGE.match(text or "")
    if not match:
        return None
    factor = _UNIT_YEARS.get((match.group(2) or "years").lower())
    return None if factor is None else round(float(match.group(1)) * factor, 4)


@dataclass(slots=True, frozen=True)
class TrialDigest:
    """One trial as the list shows it and the index searches it."""

    trial_id: str
    title: str
    status: str
    phases: tuple[str, ...]
    conditions: tuple[str, ...]
    last_update: str
    origin: str
    """Where it was loaded from: a file path, or "library" / "seeds"."""
    study_type: str = ""
    min_age: float | None = None
    max_age: float | None = None
    sex: str = ""
    official_title: str = ""
    ids: tuple[str, ...] = ()
    drugs: tuple[str, ...] = ()
    """Intervention names and their other names."""
    drug_text: tuple[str, ...] = ()
    """Arm labels and descriptions, intervention descriptions."""
    keywords: tuple[str, ...] = ()
    sponsors: tuple[str, ...] = ()
    facilities: tuple[str, ...] = ()
    cities: tuple[str, ...] = ()
    states: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    start_date: str = ""
    """As the record writes it: ``2024-03``, ``2024-03-15``."""
    enrollment: int | None = None
    healthy_volunteers: bool | None = None
    intervention_types: tuple[str, ...] = ()
    """Registry spelling, once each: ``DRUG``, ``BIOLOGICAL``, ``DEVICE``..."""
    funder_types: tuple[str, ...] = ()
    """Sponsors' agency classes, lead sponsor's first: ``NIH``, ``INDUSTRY``, ``OTHER``..."""
    has_results: bool | None = None
    site_points: tuple[float, ...] = ()
    """Each placed site's point once, flat: lat, lon, lat, lon... (`places.site_point`: the
    record's coordinates, else the gazetteer's for its city), so a distance filter only gathers
    them (`distances.SiteMap`)."""

    def to_json(self) -> str:
        """A compact JSON array in field order (what the library stores)."""
        return json.dumps(astuple(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> TrialDigest:
        values = json.loads(text)
        return cls(*(tuple(v) if isinstance(v, list) else v for v in values))


DIGEST_FIELDS = tuple(f.name for f in fields(TrialDigest))


def site_point(loc: Location, place: bool = True) -> tuple[float, float] | None:
    """Where a site is, to 5 decimals (about a metre): its record's coordinates, else (with
    `place`) where the gazetteer puts its city, else None. The list's distances and the detail's
    are both measured from these points, so they agree."""
    latitude, longitude = loc.latitude, loc.longitude
    if latitude is not None and longitude is not None:
        if latitude and longitude:
            return _rounded(latitude, longitude)
        return round(latitude, 5), round(longitude, 5)  # 0.0 and -0.0, equal, would share a cache entry
    if not place:
        return None
    from trialtui.places import place_site  # the site table: opened only for a site without coordinates

    point = place_site(loc.city.strip(), loc.state.strip(), loc.country.strip())
    return None if point is None else (round(point[0], 5), round(point[1], 5))


@lru_cache(maxsize=1 << 15, typed=True)
def _rounded(latitude: float, longitude: float) -> tuple[float, float]:
    """A point to 5 decimals, once per point: the registry places most sites at their city's
    coordinates, so the same few thousand points come again and again (and decimal rounding is
    slow)."""
    return round(latitude, 5), round(longitude, 5)


def digest_sites(locations, place: bool = True) -> tuple[float, ...]:
    """The digest's `site_points`. Without `place`, only the points the records give: the files
    the app loads at every start (the seeds) are digested so, the gazetteer unread, and their
    other sites placed when a distance filter first needs them. A site with both coordinates
    non-zero (nearly every one) is rounded here, as `site_point` would, without a call per site."""
    points = {}
    for loc in locations:
        latitude, longitude = loc.latitude, loc.longitude
        if latitude and longitude:
            points[_rounded(latitude, longitude)] = None
        elif (point := site_point(loc, place)) is not None:
            points[point] = None
    return tuple(chain.from_iterable(points))


_NAME, _LABEL, _DESCRIPTION, _TYPE = (attrgetter(name) for name in ("name", "label", "description", "type"))
_FACILITY, _CITY, _STATE = (attrgetter(name) for name in ("facility", "city", "state"))


def _unique(values: list[str]) -> tuple[str, ...]:
    """The values stripped, once each in first-seen order, blanks left out. Most lists of a trial
    hold one value or none: those take no dictionary."""
    if len(values) < 2:
        return (only,) if values and (only := values[0].strip()) else ()
    found = dict.fromkeys(map(str.strip, values))
    found.pop("", None)
    return tuple(found)


def digest_trial(trial: Trial, origin: str = "", place: bool = True) -> TrialDigest:
    """Reduce a full record to its digest; `place`: see `digest_sites`."""
    arms, interventions, locations, sponsors = trial.arms, trial.interventions, trial.locations, trial.sponsors
    drugs = []
    for iv in interventions:
        drugs.append(iv.name)
        drugs += iv.other_names
    eligibility = trial.eligibility
    title = trial.title
    return TrialDigest(
        trial_id=trial.trial_id,
        title=title,
        status=trial.overall_status,
        phases=tuple(trial.phases),
        conditions=_unique(trial.conditions),
        last_update=trial.last_update_posted,
        origin=origin or trial.source.path,
        study_type=trial.study_type,
        min_age=age_in_years(eligibility.minimum_age),
        max_age=age_in_years(eligibility.maximum_age),
        sex=eligibility.sex,
        official_title=trial.official_title if trial.official_title != title else "",
        ids=_unique([trial.nct_id, trial.org_study_id, trial.acronym, *trial.other_ids]),
        drugs=_unique(drugs),
        drug_text=_unique([*map(_LABEL, arms), *map(_DESCRIPTION, arms), *map(_DESCRIPTION, interventions)]),
        keywords=_unique(trial.keywords),
        sponsors=_unique([*map(_NAME, sponsors)]),
        facilities=_unique([*map(_FACILITY, locations)]),
        cities=_unique([*map(_CITY, locations)]),
        states=_unique([*map(_STATE, locations)]),
        countries=_unique(trial.all_countries),
        start_date=trial.start_date,
        enrollment=trial.enrollment,
        healthy_volunteers=eligibility.healthy_volunteers,
        intervention_types=_unique([*map(_TYPE, interventions)]),
        funder_types=_unique([*(s.agency_class for s in sponsors if s.role == "lead"),
                              *(s.agency_class for s in sponsors if s.role != "lead")]),
        has_results=trial.has_results,
        site_points=digest_sites(locations, place),
    )
