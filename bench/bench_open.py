"""Opening a library of ClinicalTrials.gov's size: how soon the list shows, how soon search works.

    .venv/bin/python bench/bench_open.py [--size N]

Builds once, and caches under bench/.cache/, a library database of N trials (default 570,000,
about the whole registry): the 1,147 real records of ../shared/data/ctgov-v2/studies.v2.jsonl.gz
imported, then their library rows copied under fresh unique ids (NCT9…). The copies carry every
list and search field (the stored digest) and their template's derived data, but no stored full
record: opening never reads one. Then the library's search base is made once, as the end of
a first import makes it (`library_index.refresh_base`).

Then measures in one run, wall-clock and CPU seconds (CPU counts every thread of this process; the
wall clock also counts other processes sharing the machine):
* ``Library.digests()``: what the list and the search index need, read from the database;
* ``load_catalog(None, library)``: the bundled seeds merged with the library, as every command loads;
* the app, in a fresh process timed from its start (so every import counts, as for a user who
  runs trialtui): ``build_app()`` under ``run_test(size=(140, 40))`` with TRIALTUI_HOME on that
  library, until the trial list has rows on screen (its first rows, while the rest is read), until
  the whole list is in, and until the search index is ready (the stored base loaded), with the
  process's resident memory then; then again on a copy of that library after an update of 1,000
  trials (1,000 new versions written through `Library.import_trials`, as `update` writes them):
  the base is loaded and only those 1,000 trials are indexed on top of it.
Targets: the list on screen within 3 s; search ready within 5 s, also right after the update;
resident memory with the index at most 1.5 GB. Before the index was kept in the library: the first
start after any import or update built it (36.9 s at 570,000 trials), the next one loaded it from
a file beside the database (2.4 s).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from bench.cached import cached_home, copy_rows  # noqa: E402

SAMPLE = ROOT.parent.parent / "shared" / "data" / "ctgov-v2" / "studies.v2.jsonl.gz"
TARGET_SECONDS = 3.0
SEARCH_TARGET_SECONDS = 5.0
MEMORY_TARGET_MB = 1536
UPDATED = 1000


def library_home(size: int) -> Path:
    """A TRIALTUI_HOME holding a library of `size` trials, built on first use. The schema version
    is in the folder name: a database from an older schema would be migrated (and backed up) on
    open, which is not what is measured."""
    from trialtui.ingest.loader import iter_records
    from trialtui.library_index import INDEX_LAYOUT, refresh_base
    from trialtui.models import Trial
    from trialtui.store import Library
    from trialtui.store.database import SCHEMA_VERSION
    from trialtui.store.derived import FACTS_VERSION, THRESHOLDS_VERSION

    def fill(db) -> int:
        library = Library(db)
        real = [t for t in iter_records(SAMPLE) if isinstance(t, Trial)]
        library.import_trials(real)
        copy_rows(db, size - len(real))
        assert library.count() == size
        based = time.perf_counter()
        refresh_base(library)
        print(f"search base made in {time.perf_counter() - based:.0f} s")
        return size

    return cached_home(f"open-{size}-schema{SCHEMA_VERSION}-index{INDEX_LAYOUT}-t{THRESHOLDS_VERSION}-f{FACTS_VERSION}",
                       fill)


def updated_home(home: Path) -> Path:
    """A copy of `home` whose library then took `UPDATED` new versions of its real trials, through
    the import path (each title gains a word no other trial has: "zqupdated")."""
    import shutil

    from trialtui.ingest.loader import iter_records
    from trialtui.models import Trial
    from trialtui.store import Database, Library

    copy = home.with_name(home.name + "-updated")
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir()
    shutil.copy(home / "trialtui.sqlite3", copy / "trialtui.sqlite3")
    real = [t for t in iter_records(SAMPLE) if isinstance(t, Trial)][:UPDATED]
    moved = [t.model_copy(update={"brief_title": f"{t.title} zqupdated", "last_update_posted": "2099-01-01"})
             for t in real]
    with Database.open(copy / "trialtui.sqlite3") as db:
        report = Library(db).import_trials(moved, origin="update")
    assert report.updated == len(moved), report
    return copy


def timed(run):
    """(result, wall seconds, CPU seconds) of one call."""
    started, cpu = time.perf_counter(), time.process_time()
    result = run()
    return result, time.perf_counter() - started, time.process_time() - cpu


async def measure_app(home: Path, started: float) -> None:
    """Report (wall since `started`, the epoch time the process was started at; CPU of this whole
    process) until the list shows, until all of it is in, until the search index is ready."""
    os.environ["TRIALTUI_HOME"] = str(home)
    from textual.widgets import Static

    from trialtui.tui.app import build_app
    from trialtui.tui.widgets.trial_list import TrialList

    def elapsed() -> tuple[float, float]:
        return time.time() - started, time.process_time()

    app = build_app()
    async with app.run_test(size=(140, 40)) as pilot:
        while not app.screen.query(TrialList) or not app.screen.query_one(TrialList).digests:
            await asyncio.sleep(0.005)
        # Every pending message handled (the first record shown beside the list) and the screen
        # drawn. Not pause(): it also waits (up to 1 s) for the process to go idle, and it is not
        # idle while the rest of the list is read and the index built.
        await pilot.pause(0)
        trials = app.screen.query_one(TrialList)
        report("app: list shown", len(trials.digests), *elapsed(), target=TARGET_SECONDS)
        print(f"  {'status line then:':<28} {app.screen.query_one('#list-status', Static).content}", flush=True)
        while not trials.complete or len(trials.digests) < len(app.session.catalog):
            await asyncio.sleep(0.005)
        report("app: whole list in", len(trials.digests), *elapsed())
        while not app.session.searchable:
            await asyncio.sleep(0.02)
        report("app: search index ready", len(trials.digests), *elapsed(), target=SEARCH_TARGET_SECONDS)
        status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
        rss = int(status["VmRSS"].split()[0]) / 1024
        verdict = f"≤ {MEMORY_TARGET_MB:,} MB " + ("✓" if rss <= MEMORY_TARGET_MB else "✗")
        print(f"  {'resident memory then:':<28} {rss:,.0f} MB  {verdict}", flush=True)
        rebuilt = app.session.index_rebuilt
        print(f"  {'index:':<28} {rebuilt or f'stored base + {app.session._opened.behind:,} trials applied'}")
        found = len(app.session.rows("zqupdated"))
        print(f"  {'search zqupdated finds:':<28} {found:,} trials", flush=True)
    app.session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=570_000, help="trials in the library (default 570,000)")
    parser.add_argument("--app", type=Path, metavar="HOME", help=argparse.SUPPRESS)  # the app's own process
    args = parser.parse_args()
    if args.app:
        asyncio.run(measure_app(args.app, float(os.environ["BENCH_OPEN_STARTED"])))
        return
    home = library_home(args.size)

    from trialtui.catalog import load_catalog
    from trialtui.library_index import open_index
    from trialtui.store import Database, Library

    print(f"\nOpening a library of {args.size:,} trials (target: the list within {TARGET_SECONDS:.0f} s)")
    print(f"{'step':<30} {'trials':>9} {'wall s':>8} {'CPU s':>8}  target", flush=True)
    with Database.open(home / "trialtui.sqlite3") as db:
        library = Library(db)
        digests, wall, cpu = timed(library.digests)
        report("Library.digests()", len(digests), wall, cpu)
        del digests
        gc.collect()
        generation = library.generation()
        catalog, wall, cpu = timed(lambda: load_catalog(None, library))
        report("load_catalog(None, library)", len(catalog), wall, cpu)
        seeds = [d for d in catalog.digests[:catalog.seed_count] if d.origin == "seeds"]
        opened, wall, cpu = timed(partial(open_index, catalog.digests, library, generation, seeds))
        assert opened.rebuilt is None, opened.rebuilt
        report("open_index: base loaded", len(opened.index), wall, cpu, target=SEARCH_TARGET_SECONDS)
        del catalog, opened
    print("today (the index saved in a file beside the database): first start after any change"
          " 36.9 s building it, next start 2.4 s loading it")
    for run, where in (("start: the stored search base is loaded", lambda: home),
                       (f"start after an update of {UPDATED:,} trials: the base + those trials", lambda: updated_home(home))):
        folder = where()
        print(run, flush=True)
        env = {**os.environ, "BENCH_OPEN_STARTED": repr(time.time())}
        subprocess.run([sys.executable, __file__, "--app", str(folder)], env=env, check=True)


def report(label: str, count: int, wall: float, cpu: float, target: float | None = None) -> None:
    verdict = "" if target is None else f"≤ {target:.0f} s " + ("✓" if wall <= target else "✗")
    print(f"{label:<30} {count:>9,} {wall:>8.2f} {cpu:>8.2f}  {verdict}", flush=True)


if __name__ == "__main__":
    main()
