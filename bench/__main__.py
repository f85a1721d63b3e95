"""Every benchmark in one run (`make bench`, or `.venv/bin/python -m bench [--quick]`).

Runs, one after the other in fresh processes so each measures its own memory:
  1. ingest: reading speed of every record format (bench/bench_ingest.py)
  2. thresholds: eligibility extraction over all real records (bench/bench_thresholds.py)
  3. search: 10k / 100k / 570k corpora against rapidfuzz and fzf, and success@10 (bench.search)
  4. open: a 570,000-trial library opened in the app (bench/bench_open.py)
`--quick` skips the 570k search corpus and opens a 100,000-trial library instead.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 570k search corpus; open 100k trials")
    args = parser.parse_args()
    runs = [
        ("ingest", [str(ROOT / "bench" / "bench_ingest.py")]),
        ("thresholds", [str(ROOT / "bench" / "bench_thresholds.py")]),
        ("search", ["-m", "bench.search", *(["--quick"] if args.quick else [])]),
        ("open", [str(ROOT / "bench" / "bench_open.py"), *(["--size", "100000"] if args.quick else [])]),
    ]
    failed = []
    for name, command in runs:
        print(f"\n===== {name} =====", flush=True)
        if subprocess.run([sys.executable, *command], cwd=ROOT).returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nbenchmarks that failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
