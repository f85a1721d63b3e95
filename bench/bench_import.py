"""`trialtui import` of the 1,147 API v2 studies (JSON Lines, gzip) into an empty library, with
derivation, in trials per second: two figures side by side.

    .venv/bin/python bench/bench_import.py [FILE] [--repeat N] [--profile]

* In process: the import itself (decompression, format detection, parsing, derivation, storing
  each trial with its derived data, and the search base `trialtui import` writes at the end), run
  through the command's own entry point in this process into a fresh empty TRIALTUI_HOME each
  time. Python's start and the module imports are not counted (one untimed import runs first),
  as the reading figure of bench/bench_ingest.py does not count them; every functools cache of
  trialtui's modules is emptied before each run, so nothing a run read (the gazetteer, the
  condition table, a place or name looked up) is carried into the next. This is the figure the
  target (≥ 1,000 trials/s) is judged against.
* Process: a fresh `trialtui import FILE` process, timed from its start to its exit: Python's
  start and imports included, what a user waits for.

Each is the best of N runs (default 5: a one-second figure varies by a few percent from run to
run), wall clock and CPU time (user and system; on a shared machine the wall clock also counts
other processes' turns).
`--profile` runs the in-process import once under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SAMPLE = ROOT.parent.parent / "shared" / "data" / "ctgov-v2" / "studies.v2.jsonl.gz"
TARGET = 1000


def _forget_caches() -> None:
    """Empty every functools cache of trialtui's modules: a run starts as a fresh process would."""
    for name, module in list(sys.modules.items()):
        if name == "trialtui" or name.startswith("trialtui."):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


def _in_process(path: Path, run: Callable[[list[str]], int]) -> tuple[float, float, str]:
    """Wall-clock and CPU seconds of one import in this process into an empty home, and what it printed."""
    _forget_caches()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as home:
        os.environ["TRIALTUI_HOME"] = home
        said = io.StringIO()
        started, started_cpu = time.perf_counter(), time.process_time()
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(io.StringIO()):
            status = run(["import", str(path)])
        wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
        if status != 0:
            raise SystemExit(f"trialtui import {path} failed: {said.getvalue()}")
        return wall, cpu, said.getvalue().strip()


def _process(path: Path) -> tuple[float, float, str]:
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

    _in_process(path, main)  # imports done, as in the in-process figure
    _forget_caches()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as home:
        os.environ["TRIALTUI_HOME"] = home
        profiler = cProfile.Profile()
        profiler.runcall(main, ["import", str(path)])
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def _best(label: str, repeat: int, once: Callable[[], tuple[float, float, str]]) -> tuple[float, float, int]:
    walls, cpus = [], []
    for _ in range(max(1, repeat)):
        wall, cpu, said = once()
        walls.append(wall)
        cpus.append(cpu)
        print(f"  {label}: {wall:.2f} s wall, {cpu:.2f} s CPU: {said}", flush=True)
    return min(walls), min(cpus), int(said.split()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=SAMPLE)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if args.profile:
        _profile(args.path)
        return
    home = os.environ.get("TRIALTUI_HOME")
    from trialtui.cli import main as run

    _in_process(args.path, run)  # untimed: the imports
    rows = [("in process (imports done): the target's figure",
             _best("in process", args.repeat, lambda: _in_process(args.path, run))),
            ("`trialtui import` process (start and imports included)",
             _best("process", args.repeat, lambda: _process(args.path)))]
    if home is not None:
        os.environ["TRIALTUI_HOME"] = home
    print(f"| import of {args.path.name}, best of {args.repeat} | trials | wall | CPU"
          " | trials/s (wall) | trials/s (CPU) | target |")
    print("|---|---|---|---|---|---|---|")
    for label, (wall, cpu, added) in rows:
        print(f"| {label} | {added:,} | {wall:.2f} s | {cpu:.2f} s | {added / wall:,.0f} | {added / cpu:,.0f}"
              f" | ≥ {TARGET:,} |")


if __name__ == "__main__":
    main()
