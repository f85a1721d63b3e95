"""`trialtui import` of the 1,147 API v2 studies (JSON Lines, gzip) end to end, in trials per second.

    .venv/bin/python bench/bench_import.py [FILE] [--repeat N] [--profile]

Each run is a fresh `trialtui import FILE` process into an empty TRIALTUI_HOME (so the database is
created, migrated, and every trial added with its derived data), timed from the process's start to
its exit: what a user waits for. The best of N runs (default 3) is reported, wall clock and the
process's CPU time (on a shared machine the wall clock also counts other processes' turns).
Target: ≥ 1,000 trials/s.
`--profile` runs the import once in this process under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SAMPLE = ROOT.parent.parent / "shared" / "data" / "ctgov-v2" / "studies.v2.jsonl.gz"
TARGET = 1000


def _import_once(path: Path) -> tuple[float, float, str]:
    """Wall-clock and CPU seconds (user and system) of one import process, and what it printed."""
    with tempfile.TemporaryDirectory(prefix="bench-import-") as home:
        env = {**os.environ, "TRIALTUI_HOME": home}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "trialtui", "import", str(path)], env=env,
                              capture_output=True, text=True, check=True)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        return wall, cpu, done.stdout.strip()


def _profile(path: Path) -> None:
    from trialtui.cli import main

    with tempfile.TemporaryDirectory(prefix="bench-import-") as home:
        os.environ["TRIALTUI_HOME"] = home
        profiler = cProfile.Profile()
        profiler.runcall(main, ["import", str(path)])
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=SAMPLE)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.profile:
        _profile(args.path)
        return
    walls, cpus = [], []
    for _ in range(max(1, args.repeat)):
        wall, cpu, said = _import_once(args.path)
        walls.append(wall)
        cpus.append(cpu)
        print(f"  {wall:.2f} s wall, {cpu:.2f} s CPU: {said}", flush=True)
    added = int(said.split()[0])
    wall, cpu = min(walls), min(cpus)
    print(f"| trials | best of {len(walls)}: wall | CPU | trials/s (wall) | trials/s (CPU) | target |")
    print("|---|---|---|---|---|---|")
    print(f"| {added:,} | {wall:.2f} s | {cpu:.2f} s | {added / wall:,.0f} | {added / cpu:,.0f} | ≥ {TARGET:,} |")


if __name__ == "__main__":
    main()
