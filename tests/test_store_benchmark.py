"""Opt-in measurements of the library at full ClinicalTrials.gov size (~570,000 trials).

Run with ``TRIALTUI_BENCH=1 .venv/bin/pytest tests/test_store_benchmark.py -s``. The app must show
the list of a 570,000-trial library within 3 s, so `Library.digests` is timed on that many rows
built from the digests of real records (the 1,147-study sample), ids made unique, and compared
with decoding the search-only fields too. Seconds depend on the machine, so they are printed with
a calibration figure rather than asserted.
"""

from __future__ import annotations

import os
import time

import pytest

from trialtui.ingest.loader import iter_records
from trialtui.models import Trial
from trialtui.store import Database, Library

pytestmark = pytest.mark.skipif(not os.environ.get("TRIALTUI_BENCH"), reason="set TRIALTUI_BENCH=1")

FULL_SIZE = 570_000


def test_full_size_library_lists_within_three_seconds(tmp_path, shared_data):
    real = [t for t in iter_records(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz") if isinstance(t, Trial)]
    with Database.open(tmp_path / "bench.sqlite3") as db:
        library = Library(db)
        started = time.perf_counter()
        report = library.import_trials(real)
        import_seconds = time.perf_counter() - started
        print(f"\nimported {report.added} real trials in {import_seconds:.2f} s "
              f"({report.added / import_seconds:.0f}/s)")

        templates = db.query("SELECT digest_head, digest_tail FROM trials")
        with db.transaction() as conn:
            conn.executemany(
                "INSERT INTO trials (trial_id, current_version, digest_head, digest_tail)"
                " VALUES (?, 1, ?, ?)",
                (
                    (f"NCT9{n:07d}", head.replace('"NCT', f'"NCT9{n:07d}-', 1), tail)
                    for n, (head, tail) in ((n, templates[n % len(templates)])
                                            for n in range(FULL_SIZE - len(templates)))
                ),
            )
        assert library.count() == FULL_SIZE
        digest_bytes = db.query("SELECT sum(length(digest_head) + length(digest_tail)) FROM trials")[0][0]

        timings = []
        for _ in range(3):
            started, cpu = time.perf_counter(), time.process_time()
            digests = library.digests()
            timings.append((time.perf_counter() - started, time.process_time() - cpu))
        started, cpu = time.perf_counter(), time.process_time()
        assert sum(len(d.drug_text) for d in digests) > 0
        decode = (time.perf_counter() - started, time.process_time() - cpu)
        print(f"digests() of {FULL_SIZE} trials ({digest_bytes / 2**20:.0f} MiB of digest JSON): "
              + ", ".join(f"{wall:.2f} s (CPU {cpu:.2f} s)" for wall, cpu in timings))
        print(f"then decoding every search-only field: {decode[0]:.2f} s (CPU {decode[1]:.2f} s)")
        print(f"target: the list within 3 s; Python speed here: {_calibration_ms():.0f} ms for"
              " sum(range(10**6)) (a current laptop: ~10 ms)")
        assert min(cpu for _, cpu in timings) * 2 < decode[1], "the list must not wait for search-only fields"


def _calibration_ms() -> float:
    started = time.process_time()
    for _ in range(10):
        sum(range(10**6))
    return (time.process_time() - started) * 100
