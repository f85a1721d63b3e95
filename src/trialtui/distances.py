"""Trials near a place: each trial's sites as points, the great-circle distance to the nearest one.

A site is where its record puts it (API v2 ``geoPoint``), else where the gazetteer places its city
(`places.place_site`); a site neither gives is never near anything. The digest keeps every placed
site's point (`digest.site_point`, placed when the digest is made), so a distance filter's first use
only gathers them: `SiteMap` holds every trial's points in three numpy arrays (CSR: trial → its
sites' latitudes and longitudes) and measures them all at once, in the same float64 arithmetic as
one trial's `nearest_site`, so the list and the detail show one distance.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from trialtui.digest import TrialDigest, site_point
from trialtui.models import Location, Trial
from trialtui.places import PlaceChoice

EARTH_KM = 6371.0088
"""Mean Earth radius (IUGG)."""
KM_PER_MILE = 1.609344
DEFAULT_WITHIN = "50km"
MAX_KM = 20_038.0
"""Half the Earth's circumference: every site is this near."""
_DISTANCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km|kms|kilometers?|kilometres?|mi|miles?)?\s*$", re.I)


class DistanceError(ValueError):
    """A distance that means nothing."""


@dataclass(frozen=True)
class Near:
    """"Within `km` of any of the `places`", as the user gave them."""

    places: tuple[PlaceChoice, ...]
    km: float
    unit: str = "km"
    """How the distance was given (``km`` or ``mi``), to show it back the same way."""

    def within(self) -> str:
        """The distance as `parse_distance` reads it back: "50km", "30mi"."""
        value = self.km / KM_PER_MILE if self.unit == "mi" else self.km
        return f"{round(value, 3):g}{self.unit}"

    def describe(self) -> str:
        value = self.km / KM_PER_MILE if self.unit == "mi" else self.km
        return f"within {round(value, 3):g} {self.unit} of {' or '.join(c.place.name for c in self.places)}"


def parse_distance(text: str) -> tuple[float, str]:
    """``50km``, ``30mi``, ``30 miles``, ``25`` (km) → (kilometres, unit); ``""`` → the default."""
    match = _DISTANCE.match(text or DEFAULT_WITHIN)
    if not match:
        raise DistanceError(f"distance {text.strip()!r} is not like 50km or 30mi")
    unit = "mi" if (match.group(2) or "km").lower().startswith("mi") else "km"
    km = float(match.group(1)) * (KM_PER_MILE if unit == "mi" else 1.0)
    if not 0 < km <= MAX_KM:
        raise DistanceError(f"distance {text.strip()!r} is not between 0 and {MAX_KM:,.0f} km")
    return km, unit


def format_distance(km: float, unit: str = "km") -> str:
    """3.24 → "3.2 km"; in miles when the user gave miles."""
    value = km / KM_PER_MILE if unit == "mi" else km
    return f"{value:,.1f} {unit}" if value < 100 else f"{value:,.0f} {unit}"


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km; numbers or numpy arrays (degrees)."""
    lat1, lon1, lat2, lon2 = (np.radians(v) for v in (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


@dataclass(frozen=True)
class NearestSite:
    location: Location
    km: float


def nearest_site(trial: Trial, latitude: float, longitude: float) -> NearestSite | None:
    """The trial's site nearest the point, or None when no site can be placed; measured as
    `SiteMap.within` measures (the same points, arrays of them), so to the same number."""
    placed = [(loc, point) for loc in trial.locations if (point := site_point(loc)) is not None]
    if not placed:
        return None
    points = np.array([point for _, point in placed])
    distance = haversine_km(latitude, longitude, points[:, 0], points[:, 1])
    best = int(np.argmin(distance))
    return NearestSite(placed[best][0], float(distance[best]))


def nearest_site_to(trial: Trial, near: Near) -> NearestSite | None:
    """The trial's site nearest any of `near`'s places, and its distance from the nearest of them."""
    found = (nearest_site(trial, c.place.latitude, c.place.longitude) for c in near.places)
    return min(filter(None, found), key=lambda site: site.km, default=None)


def site_label(loc: Location) -> str:
    """"Massachusetts General Hospital, Boston, Massachusetts, United States"."""
    return ", ".join(part for part in (loc.facility, loc.city, loc.state, loc.country) if part.strip())


class SiteMap:
    """Every trial's placed sites: trial `i`'s are ``lat[start[i]:start[i + 1]]`` (and `lon`)."""

    def __init__(self, digests: Sequence[TrialDigest]) -> None:
        self.trial_ids = [d.trial_id for d in digests]
        sizes = np.fromiter((len(d.site_points) for d in digests), np.int64, len(digests))
        points = np.fromiter(chain.from_iterable(d.site_points for d in digests), np.float64, int(sizes.sum()))
        self.lat = np.ascontiguousarray(points[0::2])
        self.lon = np.ascontiguousarray(points[1::2])
        self.start = np.zeros(len(digests) + 1, np.int64)
        np.cumsum(sizes // 2, out=self.start[1:])

    def near(self, near: Near) -> dict[str, float]:
        """Trial id → km to its site nearest any of `near`'s places, for every trial with a site
        within `near.km` of one of them."""
        nearest: dict[str, float] = {}
        for choice in near.places:
            for trial_id, km in self.within(choice.place.latitude, choice.place.longitude, near.km).items():
                if km < nearest.get(trial_id, math.inf):
                    nearest[trial_id] = km
        return nearest

    def within(self, latitude: float, longitude: float, km: float) -> dict[str, float]:
        """Trial id → km to its nearest site, for every trial with a site within `km`."""
        if not len(self.lat):
            return {}
        band = km / 111.0 + 0.01  # a degree of latitude is at least 110.57 km: none nearer outside
        close = np.flatnonzero(np.abs(self.lat - latitude) <= band)
        distance = haversine_km(latitude, longitude, self.lat[close], self.lon[close])
        keep = distance <= km
        close, distance = close[keep], distance[keep]
        trials = np.searchsorted(self.start, close, side="right") - 1  # ascending, as `close` is
        if not len(trials):
            return {}
        firsts = np.flatnonzero(np.r_[True, trials[1:] != trials[:-1]])
        nearest = np.minimum.reduceat(distance, firsts)
        ids = self.trial_ids
        return {ids[trial]: value for trial, value in zip(trials[firsts].tolist(), nearest.tolist(), strict=True)}
