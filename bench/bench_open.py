"""Opening a library of ClinicalTrials.gov's size: how soon the list shows, how soon search works.

    .venv/bin/python bench/bench_open.py [--size N]

Builds once, and caches under bench/.cache/, a library database of N trials (default 570,000,
about the whole registry): the 1,147 real records of ../shared/data/ctgov-v2/studies.v2.jsonl.gz
imported, then their library rows copied under fresh unique ids (NCT9…). The copies carry every
list and search field but no stored full record: opening never reads one.

Then measures in one run, wall-clock and CPU seconds (CPU counts every thread of this process; the
wall clock also counts other processes sharing the machine):
* ``Library.digests()``: what the list and the search index need, read from the database;
* ``load_catalog(None, library)``: the bundled seeds merged with the library, as every command loads;
* the app, in a fresh process timed from its start (so every import counts, as for a user who
  runs trialtui): ``build_app()`` under ``run_test(size=(140, 40))`` with TRIALTUI_HOME on that
  library, until the trial list has rows on screen (its first rows, while the rest is read), until
  the whole list is in, and until the search index is ready: twice, the first time building the
  index (and saving it beside the database), the second time loading the saved one.
Target: the list on screen within 3 s.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SAMPLE = ROOT.parent.parent / "shared" / "data" / "ctgov-v2" / "studies.v2.jsonl.gz"
TARGET_SECONDS = 3.0


def cached_home(size: int) -> Path:
    """A TRIALTUI_HOME holding a library of `size` trials, built on first use. The schema version
    is in the folder name: a database from an older schema would be migrated (and backed up) on
    open, which is not what is measured."""
    from trialtui.ingest.loader import iter_records
    from trialtui.models import Trial
    from trialtui.store import Database, Library
    from trialtui.store.database import SCHEMA_VERSION

    home = ROOT / ".cache" / f"open-{size}-schema{SCHEMA_VERSION}"
    database = home / "trialtui.sqlite3"
    if database.exists():
        return home
    home.mkdir(parents=True, exist_ok=True)
    partial = home / "building.sqlite3"
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    with Database.open(partial) as db:
        library = Library(db)
        real = [t for t in iter_records(SAMPLE) if isinstance(t, Trial)]
        library.import_trials(real)
        _copy_rows(db, size - len(real))
        assert library.count() == size
        db.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    partial.rename(database)
    print(f"built {database} ({size:,} trials) in {time.perf_counter() - started:.0f} s")
    return home


def _copy_rows(db, copies: int) -> None:
    """Copy the imported trials' rows round-robin under ids NCT9000000…; only the id changes."""
    templates = db.query("SELECT digest_head, digest_tail FROM trials")
    with db.transaction() as conn:
        conn.executemany(
            "INSERT INTO trials (trial_id, current_version, digest_head, digest_tail) VALUES (?, 1, ?, ?)",
            (
                (f"NCT9{n:07d}", f'["NCT9{n:07d}"' + head[head.index('",') + 1:], tail)
                for n, (head, tail) in ((n, templates[n % len(templates)]) for n in range(copies))
            ),
        )


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
        report("app: search index ready", len(trials.digests), *elapsed())
        saved = home / "search-index.npz"
        while not saved.exists():  # written after the build, for the next start
            await asyncio.sleep(0.1)
    app.session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=570_000, help="trials in the library (default 570,000)")
    parser.add_argument("--app", type=Path, metavar="HOME", help=argparse.SUPPRESS)  # the app's own process
    args = parser.parse_args()
    if args.app:
        asyncio.run(measure_app(args.app, float(os.environ["BENCH_OPEN_STARTED"])))
        return
    home = cached_home(args.size)

    from trialtui.catalog import load_catalog
    from trialtui.store import Database, Library

    print(f"\nOpening a library of {args.size:,} trials (target: the list within {TARGET_SECONDS:.0f} s)")
    print(f"{'step':<30} {'trials':>9} {'wall s':>8} {'CPU s':>8}  target", flush=True)
    with Database.open(home / "trialtui.sqlite3") as db:
        library = Library(db)
        digests, wall, cpu = timed(library.digests)
        report("Library.digests()", len(digests), wall, cpu)
        del digests
        gc.collect()
        catalog, wall, cpu = timed(lambda: load_catalog(None, library))
        report("load_catalog(None, library)", len(catalog), wall, cpu)
        del catalog
    (home / "search-index.npz").unlink(missing_ok=True)
    for run in ("first start: the search index is built, then saved",
                "next start: the saved search index is loaded"):
        print(run, flush=True)
        env = {**os.environ, "BENCH_OPEN_STARTED": repr(time.time())}
        subprocess.run([sys.executable, __file__, "--app", str(home)], env=env, check=True)


def report(label: str, count: int, wall: float, cpu: float, target: float | None = None) -> None:
    verdict = "" if target is None else f"≤ {target:.0f} s " + ("✓" if wall <= target else "✗")
    print(f"{label:<30} {count:>9,} {wall:>8.2f} {cpu:>8.2f}  {verdict}", flush=True)


if __name__ == "__main__":
    main()
