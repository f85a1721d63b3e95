"""docs/benchmarks.md as `make bench` writes it: the machine, the date, and each benchmark's own
printed tables, so the figures on the page are always the ones a run measured."""

from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path

_INTRO = """\
# Benchmarks

Written by `make bench` (`python -m bench`) from the run below: every figure is what that run
printed. Each benchmark can be run alone with the command in its heading.
"""


def machine() -> str:
    """One line naming the machine: processor, cores, memory, OS, Python."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                 if line.startswith("model name")]
        cpu = names[0] if names else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split()[1])
        memory = f", {total_kb / 1024 / 1024:.0f} GiB"
    return (f"{cpu}, {os.cpu_count()} cores{memory}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}")


def write_report(path: Path, sections: list[tuple[str, str, str | None]], quick: bool = False) -> None:
    """Write the page: one heading per benchmark, its command, and its output (or that it failed)."""
    today = datetime.date.today().isoformat()
    parts = [_INTRO, f"Run on {today}{' (--quick)' if quick else ''}. Machine: {machine()}.\n"]
    for name, command, output in sections:
        parts.append(f"## {name}\n\n`{command}`\n")
        parts.append(f"```\n{output.rstrip()}\n```\n" if output is not None else "This benchmark failed in this run.\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts), encoding="utf-8")
