"""The patient check over a whole library, read from the stored derived data.

    .venv/bin/python bench/bench_patient.py [--size N]

Builds once, and caches under bench/.cache/, a library of the 7,933 real records of ../shared/data
(API v2 studies and legacy XML) imported as `trialtui import` does (thresholds and facts derived),
then their rows copied under fresh ids (NCT9…) up to N trials (default 570,000): each copy keeps
its template's digest and derived row, but no stored full record (the check never reads one).

Measures `ReviewSession.check_patient` over every library trial for three patients, CPU and wall
seconds (on a shared machine the wall clock also counts other processes):
* over a library of the 7,933 real trials alone (`--size 0`'s, cached beside the other), where
  every condition list and limit set is as distinct as the registry's: the cost per trial when
  nothing repeats, and 570,000 trials at that rate;
* over the N-trial library, where the copies repeat their templates' condition lists and limits:
  reading the rows and deciding every verdict at registry scale.
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
    from trialtui.session import ReviewSession

    os.environ["TRIALTUI_HOME"] = str(home)
    session = ReviewSession()
    try:
        session.load()
        ids = [d.trial_id for d in session.catalog.digests if d.origin == "library"]
        for name, patient in PATIENTS.items():
            session.set_patient(PatientEntry.from_patient_file(patient)[0])
            started, cpu = time.perf_counter(), time.process_time()
            session.check_patient(ids)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            verdicts = [session.verdict(trial_id) for trial_id in ids]
            rate = len(ids) / cpu
            print(f"| {len(ids):,} | {name} | {wall:.2f} s | {cpu:.2f} s | {rate:,.0f} | "
                  f"{570_000 / rate:.1f} s | {verdicts.count('fits'):,} / {verdicts.count('fails'):,} / "
                  f"{verdicts.count('unknown'):,} |", flush=True)
    finally:
        session.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=570_000)
    args = parser.parse_args()
    real, home = library_home(0), library_home(args.size)
    print("| trials | patient | wall | CPU | trials/s (CPU) | 570,000 at that rate | fits / fails / unknown |")
    print("|---|---|---|---|---|---|---|")
    measure(real)
    measure(home)
    print(f"target: 570,000 trials in ≤ {TARGET_SECONDS:g} s")


if __name__ == "__main__":
    main()
