"""Reading speed of the ingest readers over the real samples in ../shared/data, on one core.

    .venv/bin/python bench/bench_ingest.py [--repeat N]

Prints, best of N runs (default 3), wall-clock and CPU time:
* API v2 study objects → `Trial` (json.loads of each line + `parse_ctgov_study`), the path every
  JSON source and the fetch client take. Target ≥ 1,000 studies/s: the ~570,000-study registry
  in under 10 minutes.
* `load_paths` end to end (decompression, format detection, parsing) for each sample file.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from functools import partial
from pathlib import Path

from trialtui.ingest import load_paths, parse_ctgov_study
from trialtui.models import Provenance

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SAMPLES = (
    "ctgov-v2/studies.v2.jsonl.gz",
    "ctgov-v2/website-export-nsclc.json",
    "ctgov-v2/api-page-boston.json",
    "ctgov-v2/bulk-download-urology.zip",
    "ctgov-legacy-xml-subset.tar.gz",
)


def _best(repeat: int, run) -> tuple[float, float, int]:
    """Best wall-clock and best CPU seconds of `repeat` runs; CPU time is the one-core figure
    when other processes share the machine."""
    wall, cpu, count = float("inf"), float("inf"), 0
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        count = run()
        wall = min(wall, time.perf_counter() - started)
        cpu = min(cpu, time.process_time() - started_cpu)
    return wall, cpu, count


def _trial_count(path: Path) -> int:
    return len(load_paths([path]).trials)


def _report(label: str, wall: float, cpu: float, count: int) -> None:
    print(f"{label}: {count} in {wall:.2f} s wall = {count / wall:,.0f}/s; "
          f"{cpu:.2f} s CPU = {count / cpu:,.0f}/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    lines = gzip.open(DATA / SAMPLES[0], "rt", encoding="utf-8").read().splitlines()

    def parse_all() -> int:
        for number, line in enumerate(lines, start=1):
            parse_ctgov_study(json.loads(line), Provenance(path="bench", format="ctgov-v2", line=number))
        return len(lines)

    _report("API v2 JSON → Trial (json.loads + parse_ctgov_study), studies", *_best(args.repeat, parse_all))
    for sample in SAMPLES:
        _report(f"load_paths {sample}, trials", *_best(args.repeat, partial(_trial_count, DATA / sample)))


if __name__ == "__main__":
    main()
