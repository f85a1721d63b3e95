"""The patient check over a whole library, read from the stored derived data.

    .venv/bin/python bench/bench_patient.py [--size N]

Builds once, and caches under bench/.cache/, a library of the 7,933 real records of ../shared/data
(API v2 studies and legacy XML) imported as `trialtui import` does (thresholds and facts derived),
then their rows copied under fresh ids (NCT9…) up to N trials (default 570,000): each copy keeps
its template's digest and derived row, but no stored full record (the check never reads one).

Measures `ReviewSession.check_patient` over every library trial, CPU and wall seconds (on a shared
machine the wall clock also counts other processes), as a user meets it:
* the end of `trialtui import` (or `fetch`, `update`) in a library of 20,000 trials or more: a
  packed base of the check's numbers (`store/check_base.py`) made of every trial's derived rows
  (`patient_verdicts.make_base`; the cached library's stored base is dropped first);
* then three patients, each read from that base;
* then the first patient again after an update of 1,000 trials (their rows read on top of the base);
* then the first patient on the library without a base (one stored before trialtui kept it, or
  imported in the app, whose first check makes it): every row read, and the base made of them;
* over the 7,933 real trials alone (`--size 0`'s library, cached beside the other), where every
  condition list and limit set is as distinct as the registry's: the cost per trial when nothing
  repeats, and 570,000 trials at that rate; and over the N-trial library, where the copies repeat
  their templates' condition lists and limits: reading and deciding every verdict at registry scale.
Target: 570,000 trials in ≤ 3 s.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from bench.cached import cached_home, copy_rows  # noqa: E402

DATA = ROOT.parent.parent / "shared" / "data"
SOURCES = (DATA / "ctgov-v2" / "studies.v2.jsonl.gz", DATA / "ctgov-legacy-xml-subset.tar.gz")
TARGET_SECONDS = 3.0
PATIENTS = {
    "NSCLC, labs": {"age": 62, "sex": "female", "conditions": ["non-small cell lung cancer"], "healthy": False,
                    "values": {"anc": "1.8 x10^9/L", "platelets": "150000/uL", "creatinine": "90 umol/L",
                               "ecog": "1", "hemoglobin": "13 g/dL", "total_bilirubin": "0.6 mg/dL"}},
    "healthy man": {"age": 30, "sex": "male", "healthy": True},
    "typo'd diagnosis": {"age": 45, "conditions": ["diabtes mellitus"]},
}


def library_home(size: int) -> Path:
    """A TRIALTUI_HOME holding `size` trials (the real ones first), built on first use; the schema
    and derived-data versions are in the folder name."""
    from trialtui.ingest import load_paths
    from trialtui.store import Library
    from trialtui.store.database import SCHEMA_VERSION
    from trialtui.store.derived import FACTS_VERSION, THRESHOLDS_VERSION

    def fill(db) -> int:
        library = Library(db)
        library.import_trials(load_paths(list(SOURCES)).trials)
        copy_rows(db, max(0, size - library.count()))
        return library.count()

    return cached_home(f"patient-{size}-schema{SCHEMA_VERSION}-t{THRESHOLDS_VERSION}-f{FACTS_VERSION}", fill)


def measure(home: Path) -> None:
    from trialtui.patient_check import PatientEntry
    from trialtui.patient_verdicts import make_base
    from trialtui.session import ReviewSession

    os.environ["TRIALTUI_HOME"] = str(home)
    session = ReviewSession()
    try:
        session.load()
        ids = [d.trial_id for d in session.catalog.digests if d.origin == "library"]
        drop_base(session.db)
        started, cpu = time.perf_counter(), time.process_time()
        made = make_base(session.db)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        how = "the base made" if made else "no base made (too few trials: the first check makes it)"
        print(f"| {len(ids):,} | | end of an import: {how} | {wall:.2f} s | {cpu:.2f} s | | | |", flush=True)
        first = next(iter(PATIENTS))
        for n, name in enumerate([*PATIENTS, first, first]):
            if n == len(PATIENTS):
                updated(session.db, ids[::max(1, len(ids) // 1000)][:1000])
            if n == len(PATIENTS) + 1:
                drop_base(session.db)
            how = "from the base" if has_base(session.db) else "no base: every row read, the base made"
            how += ", after an update of 1,000" if n == len(PATIENTS) else ""
            session.set_patient(PatientEntry.from_patient_file(PATIENTS[name])[0])
            started, cpu = time.perf_counter(), time.process_time()
            session.check_patient(ids)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            verdicts = [session.verdict(trial_id) for trial_id in ids]
            rate = len(ids) / cpu
            print(f"| {len(ids):,} | {name} | {how} | {wall:.2f} s | {cpu:.2f} s | {rate:,.0f} | "
                  f"{570_000 / rate:.1f} s | {verdicts.count('fits'):,} / {verdicts.count('fails'):,} / "
                  f"{verdicts.count('unknown'):,} |", flush=True)
    finally:
        session.close()


def drop_base(db) -> None:
    with db.transaction() as conn:
        conn.execute("DELETE FROM check_base")


def has_base(db) -> bool:
    return db.query("SELECT count(*) FROM check_base")[0][0] > 0


def updated(db, ids: list[str]) -> None:
    """These trials stamped as written by one more import (an update that rewrote them as they
    were): the next check reads their rows on top of the base."""
    with db.transaction() as conn:
        generation = int((conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone() or (0,))[0]) + 1
        conn.executemany("UPDATE trials SET generation = ? WHERE trial_id = ?", [(generation, t) for t in ids])
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('generation', ?)", (str(generation),))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=570_000)
    args = parser.parse_args()
    real, home = library_home(0), library_home(args.size)
    print("| trials | patient | check | wall | CPU | trials/s (CPU) | 570,000 at that rate | fits / fails / unknown |")
    print("|---|---|---|---|---|---|---|---|")
    measure(real)
    measure(home)
    print(f"target: 570,000 trials in ≤ {TARGET_SECONDS:g} s")


if __name__ == "__main__":
    main()
