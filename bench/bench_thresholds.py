"""Threshold extraction speed over every real record in ../shared/data, on one core.

    .venv/bin/python bench/bench_thresholds.py [DATA_DIR ...] [--repeat N]

Loads the records first (not timed: reading is the ingest's cost), then times
`extract_thresholds` over all of them N times (default 3) and prints the best run as trials per
second of CPU time (wall time is printed too; on a busy machine it counts other processes). The
target is ≥ 1,000 trials/s: the ~570,000-study registry in under 10 minutes.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from trialtui.eligibility.criteria import iter_items
from trialtui.eligibility.extract import extract_thresholds
from trialtui.ingest import load_paths

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[DEFAULT_DATA])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    trials = load_paths(args.paths).trials
    print(f"loaded {len(trials)} trials in {time.perf_counter() - started:.1f} s (not timed below)")
    if not trials:
        sys.exit("no trials found")
    characters = sum(len(t.eligibility.criteria) for t in trials)

    best = best_cpu = float("inf")
    measures: Counter[str] = Counter()
    for _ in range(max(1, args.repeat)):
        iter_items.cache_clear()  # every run splits the criteria afresh
        measures.clear()
        started, started_cpu = time.perf_counter(), time.process_time()
        for trial in trials:
            for threshold in extract_thresholds(trial):
                measures[threshold.measure] += 1
        best = min(best, time.perf_counter() - started)
        best_cpu = min(best_cpu, time.process_time() - started_cpu)

    rate = len(trials) / best_cpu
    print(f"{sum(measures.values())} thresholds from {len(trials)} trials "
          f"({characters / len(trials):.0f} criteria characters per trial)")
    print(f"top measures: {', '.join(f'{m} {n}' for m, n in measures.most_common(10))}")
    print(f"best of {args.repeat}: {best:.2f} s wall, {best_cpu:.2f} s CPU, "
          f"{1000 * best_cpu / len(trials):.3f} ms CPU per trial")
    # CPU time, not wall time: on a shared machine the wall clock counts other processes' turns.
    print(f"{rate:,.0f} trials/s on one core (CPU time); 570,000 studies in {570_000 / rate / 60:.1f} min")


if __name__ == "__main__":
    main()
