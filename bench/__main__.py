"""Every benchmark in one run (`make bench`, or `.venv/bin/python -m bench [--quick]`), its
figures written to docs/benchmarks.md with the machine and the date.

Runs, one after the other in fresh processes so each measures its own memory:
  1. ingest: reading speed of every record format (bench/bench_ingest.py)
  2. thresholds: eligibility extraction over all real records (bench/bench_thresholds.py)
  3. search: 10k / 100k / 570k corpora against rapidfuzz and fzf, and success@10 (bench.search)
  4. open: a 570,000-trial library opened in the app (bench/bench_open.py)
  5. near: the distance filter over 570,000 trials' sites (bench/bench_near.py)
  6. startup: the app's first frame, and a `search` process beside a `list` one (bench/bench_startup.py)
  7. install: a fresh install's size and first search (bench/bench_install.py)
  8. import: `trialtui import` of the API v2 studies end to end, with derivation (bench/bench_import.py)
  9. patient: the patient check over a 570,000-trial library (bench/bench_patient.py)
`--quick` skips the 570k search corpus and opens and checks a 100,000-trial library instead.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from bench.report import write_report

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 570k search corpus; open 100k trials")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md",
                        help="where the figures are written (default: docs/benchmarks.md)")
    args = parser.parse_args()
    runs = [
        ("Reading records", [str(ROOT / "bench" / "bench_ingest.py")]),
        ("Eligibility threshold extraction", [str(ROOT / "bench" / "bench_thresholds.py")]),
        ("Search", ["-m", "bench.search", *(["--quick"] if args.quick else [])]),
        ("Opening a large library", [str(ROOT / "bench" / "bench_open.py"),
                                     *(["--size", "100000"] if args.quick else [])]),
        ("Trials near a place", [str(ROOT / "bench" / "bench_near.py"), *(["--size", "100000"] if args.quick else [])]),
        ("Starting: first frame, search against list", [str(ROOT / "bench" / "bench_startup.py")]),
        ("A fresh install: size and first search", [str(ROOT / "bench" / "bench_install.py")]),
        ("Importing records", [str(ROOT / "bench" / "bench_import.py")]),
        ("Patient check over a large library", [str(ROOT / "bench" / "bench_patient.py"),
                                                *(["--size", "100000"] if args.quick else [])]),
    ]
    sections, failed = [], []
    for name, command in runs:
        print(f"\n===== {name} =====", flush=True)
        output = _run([sys.executable, *command])
        if output is None:
            failed.append(name)
        sections.append((name, " ".join(["python", *(Path(c).relative_to(ROOT).as_posix() if c.startswith(str(ROOT)) else c
                                                     for c in command)]), output))
    write_report(args.out, sections, quick=args.quick)
    print(f"\nfigures written to {args.out}")
    if failed:
        print(f"benchmarks that failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def _run(command: list[str]) -> str | None:
    """Run one benchmark, echoing its output as it comes; its output, or None if it failed."""
    lines = []
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as process:
        for line in process.stdout:
            print(line, end="", flush=True)
            lines.append(line)
    return "".join(lines) if process.returncode == 0 else None


if __name__ == "__main__":
    raise SystemExit(main())
