"""How soon trialtui answers: the app's first frame, and a `search` process beside a `list` one.

    .venv/bin/python bench/bench_startup.py [--runs N]

1. App start to first frame, on the seeds (an empty TRIALTUI_HOME): `python -m trialtui` run in a
   real pseudo-terminal (140×40), timed from just before the process is started until what it
   wrote to the terminal holds the search box's placeholder (the browse screen drawn), and until
   it holds a seed's trial id (the list shown). A bare Textual App (a Header and one line of text)
   is timed the same way, until its line shows: the floor every Textual app pays.
2. `trialtui search pembrolizumab` against `trialtui list`, processes on a library of about 8,000
   trials (../shared/data's 1,147 API v2 studies and 6,786 legacy XML records, imported once into
   a TRIALTUI_HOME cached under bench/.cache/): wall seconds and peak resident memory (the
   kernel's maxrss of the finished process) of each.
Each process runs with its bytecode cached (under bench/.cache/pycache, written by an untimed first
run), as an installed package has it, whatever PYTHONDONTWRITEBYTECODE says here: compiling
trialtui's modules from source would be timed otherwise. Each figure is the median of `--runs` runs
(default 5). Targets: the first frame within 0.5 s;
a search process within twice a list process and 200 MB.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
LIBRARY_SOURCES = (DATA / "ctgov-v2" / "studies.v2.jsonl.gz", DATA / "ctgov-legacy-xml-subset.tar.gz")
FIRST_FRAME_TARGET = 0.5
SEARCH_RATIO_TARGET = 2.0
SEARCH_RSS_TARGET_MB = 200
TIMEOUT = 30.0
BEFORE = ("before issue 16: first frame 0.74 s (bare Textual App 0.21 s); "
          "search 1.2 s, 3× list, 240-290 MB")
"""The figures this benchmark is set against, as the issue measured them."""

BARE_APP = """
from textual.app import App
from textual.widgets import Header, Static

class Bare(App):
    def compose(self):
        yield Header()
        yield Static("bare app ready")

Bare().run()
"""


def process_env(**extra: str) -> dict[str, str]:
    """The environment of a timed process: bytecode written once to bench/.cache/pycache and read after."""
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(ROOT / "bench" / ".cache" / "pycache"), **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def until_shown(command: list[str], markers: list[bytes], env: dict[str, str]) -> list[float]:
    """Run `command` in a new 140×40 pseudo-terminal; seconds from its start until each marker has
    appeared in its output (in order); the process is then ended."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
    started = time.perf_counter()
    process = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower, env=env,
                               start_new_session=True, close_fds=True)
    os.close(follower)
    seen, output, waited = [], b"", 0.0
    try:
        while len(seen) < len(markers) and waited < TIMEOUT:
            ready, _, _ = select.select([leader], [], [], 0.5)
            if not ready:
                waited = time.perf_counter() - started
                continue
            try:
                output += os.read(leader, 1 << 16)
            except OSError:  # the process ended
                break
            while len(seen) < len(markers) and markers[len(seen)] in output:
                seen.append(time.perf_counter() - started)
            waited = time.perf_counter() - started
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        os.close(leader)
    if len(seen) < len(markers):
        raise RuntimeError(f"{' '.join(command)}: {markers[len(seen)]!r} never showed")
    return seen


def first_frames(runs: int) -> None:
    print("App start to first frame, seeds only (empty TRIALTUI_HOME), in a 140×40 pseudo-terminal")
    with tempfile.TemporaryDirectory(prefix="trialtui-frame-") as home:
        env = process_env(TRIALTUI_HOME=home, TERM="xterm-256color", COLUMNS="140", LINES="40")
        until_shown([sys.executable, "-c", BARE_APP], [b"bare app ready"], env)  # untimed: bytecode written
        until_shown([sys.executable, "-m", "trialtui"], [b"Search drug", b"NCT"], env)
        bare = [until_shown([sys.executable, "-c", BARE_APP], [b"bare app ready"], env)[0] for _ in range(runs)]
        app = [until_shown([sys.executable, "-m", "trialtui"], [b"Search drug", b"NCT"], env) for _ in range(runs)]
    frame = statistics.median(t[0] for t in app)
    listed = statistics.median(t[1] for t in app)
    print(f"{'':<40} {'median s':>9}  {'runs':<30}")
    print(f"{'bare Textual App: its text shown':<40} {statistics.median(bare):>9.2f}  {_runs(bare)}")
    verdict = "✓" if frame <= FIRST_FRAME_TARGET else "✗"
    print(f"{'trialtui: browse screen drawn':<40} {frame:>9.2f}  {_runs([t[0] for t in app])}"
          f"  target ≤ {FIRST_FRAME_TARGET} s {verdict}")
    print(f"{'trialtui: the seeds listed':<40} {listed:>9.2f}  {_runs([t[1] for t in app])}")


def library_home() -> Path:
    """A TRIALTUI_HOME with the two real-record files imported (built once, then reused; the
    schema version in its name, so that an older database is never migrated while timed)."""
    from trialtui.store.database import SCHEMA_VERSION

    home = ROOT / "bench" / ".cache" / f"startup-8k-schema{SCHEMA_VERSION}"
    if (home / "trialtui.sqlite3").exists():
        return home
    building = home.with_name(home.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "trialtui", "import", *map(str, LIBRARY_SOURCES)], check=True,
                   env={**os.environ, "TRIALTUI_HOME": str(building)}, stdout=subprocess.DEVNULL)
    building.rename(home)
    print(f"imported {', '.join(p.name for p in LIBRARY_SOURCES)} into {home} in {time.perf_counter() - started:.0f} s")
    return home


def process_cost(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one process, its output discarded."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {process.returncode}")
    return wall, usage.ru_maxrss / 1024


def search_against_list(runs: int) -> None:
    home = library_home()
    env = process_env(TRIALTUI_HOME=str(home))
    trials = subprocess.run([sys.executable, "-m", "trialtui", "list"], env=env, check=True,
                            capture_output=True, text=True).stdout.count("\n")
    subprocess.run([sys.executable, "-m", "trialtui", "search", "pembrolizumab"], env=env, check=True,
                   stdout=subprocess.DEVNULL)  # untimed: the search modules' bytecode written
    print(f"\n`trialtui search pembrolizumab` against `trialtui list`, {trials:,} trials (seeds and library)")
    figures = {}
    for name, args in (("list", ["list"]), ("search pembrolizumab", ["search", "pembrolizumab"])):
        costs = [process_cost([sys.executable, "-m", "trialtui", *args], env) for _ in range(runs)]
        figures[name] = statistics.median(c[0] for c in costs), statistics.median(c[1] for c in costs)
        print(f"  trialtui {name:<22} {figures[name][0]:6.2f} s {figures[name][1]:6.0f} MB  "
              f"runs: {_runs([c[0] for c in costs])}")
    ratio = figures["search pembrolizumab"][0] / figures["list"][0]
    rss = figures["search pembrolizumab"][1]
    print(f"  search / list: {ratio:.1f}× (target ≤ {SEARCH_RATIO_TARGET:.0f}× {'✓' if ratio <= SEARCH_RATIO_TARGET else '✗'}); "
          f"search RSS {rss:.0f} MB (target ≤ {SEARCH_RSS_TARGET_MB} MB {'✓' if rss <= SEARCH_RSS_TARGET_MB else '✗'})")


def _runs(seconds: list[float]) -> str:
    return " ".join(f"{s:.2f}" for s in seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each measure (default 5); the median is shown")
    args = parser.parse_args()
    first_frames(args.runs)
    search_against_list(args.runs)
    print(f"\n({BEFORE})")


if __name__ == "__main__":
    main()
