"""Distance filter speed at registry size: every trial's sites gathered once, then "near a place".

    .venv/bin/python bench/bench_near.py [--size N]

Expands the real records to N trials (default 570,000; bench/search/corpus.py), builds the
`SiteMap` from the digests' points (placed when each digest was made) and times it with the first
query (a session's first distance filter, once its place is read: that first read loads the
gazetteer, timed on its own), then times `SiteMap.within` for a few places and distances, best of
5, and prints how many trials each admits.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search.corpus import expand, real_digests  # noqa: E402
from trialtui.distances import SiteMap  # noqa: E402
from trialtui.places import resolve_place  # noqa: E402

QUERIES = (("Boston, MA", 50.0), ("Lyon, France", 100.0), ("Portland, OR", 48.28), ("Tokyo", 500.0))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=570_000)
    args = parser.parse_args()
    digests = expand(real_digests(), args.size)
    started = time.perf_counter()
    first = resolve_place(QUERIES[0][0]).place
    print(f"first place read (the gazetteer loaded) in {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    sites = SiteMap(digests)
    built = time.perf_counter() - started
    sites.within(first.latitude, first.longitude, QUERIES[0][1])
    print(f"{len(digests):,} trials, {len(sites.lat):,} placed sites: site map built in {built:.2f} s "
          f"({(sites.lat.nbytes + sites.lon.nbytes + sites.start.nbytes) / 1e6:.0f} MB of arrays); "
          f"with the first query {time.perf_counter() - started:.2f} s")
    for place, km in QUERIES:
        point = resolve_place(place).place
        best = float("inf")
        for _ in range(5):
            started = time.perf_counter()
            found = sites.within(point.latitude, point.longitude, km)
            best = min(best, time.perf_counter() - started)
        print(f"within {km:g} km of {point.name}: {len(found):,} trials in {best * 1000:.1f} ms")


if __name__ == "__main__":
    main()
