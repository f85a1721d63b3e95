"""A fresh install: how much it weighs, and how long the first search takes on it.

    .venv/bin/python bench/bench_install.py

Builds the wheel of this checkout (`pip wheel --no-deps`), makes a new virtual environment in a
temporary folder and `pip install`s the wheel into it, its dependencies from the package registry
(pip's download cache may serve them: what is measured is the installed files, not the network).
Then reports:
* the installed size: every file under the new environment's site-packages, without pip and
  setuptools (which any environment holds), and the biggest packages;
* the first search after the install: `trialtui search neuroblastoma` (a word one seed holds) in
  the new environment with an empty TRIALTUI_HOME (the five bundled seeds), wall-clock seconds of
  the whole process,
  then the same command once more (what every later search costs).
Targets: at most 140 MB installed; the first search within 1 s.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZE_TARGET_MB = 140
FIRST_SEARCH_TARGET = 1.0
BEFORE = "before issue 16: 341 MB installed, first search 10.5 s"
"""The figures this benchmark is set against (numba and llvmlite installed and compiling)."""
_NOT_COUNTED = ("pip", "setuptools", "_distutils_hack", "pkg_resources", "distutils-precedence.pth")
"""What every new environment holds before anything is installed into it."""


def size_of(path: Path) -> int:
    """Bytes of every file under `path` (a file's own size if it is one; links not followed)."""
    if path.is_file() or path.is_symlink():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def installed_sizes(site_packages: Path) -> dict[str, int]:
    """Bytes per top-level entry of site-packages (a package, its .dist-info, a module), without
    what a new environment holds already."""
    sizes = {}
    for entry in site_packages.iterdir():
        name = entry.name.split("-")[0].removesuffix(".dist").removesuffix(".py")
        if name in _NOT_COUNTED or entry.name in _NOT_COUNTED:
            continue
        sizes[entry.name] = size_of(entry)
    return sizes


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


def timed_search(venv: Path, home: Path) -> tuple[float, str]:
    """Wall seconds of one `trialtui search neuroblastoma` process, and the first line it printed
    (a hit, or on stderr that none matched)."""
    env = {**os.environ, "TRIALTUI_HOME": str(home)}
    env.pop("PYTHONPATH", None)  # the installed package, not a checkout's sources
    started = time.perf_counter()
    done = run([str(venv / "bin" / "trialtui"), "search", "neuroblastoma"], env=env, cwd=home)
    return time.perf_counter() - started, (done.stdout.splitlines() or done.stderr.splitlines() or ["(none)"])[0]


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="trialtui-install-") as temp:
        temp = Path(temp)
        started = time.perf_counter()
        run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(temp / "wheel"), str(ROOT)])
        wheel = next((temp / "wheel").glob("trialtui-*.whl"))
        venv = temp / "venv"
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)])
        print(f"built {wheel.name} and installed it into a new environment in {time.perf_counter() - started:.0f} s")
        site_packages = next((venv / "lib").glob("python3*/site-packages"))
        sizes = installed_sizes(site_packages)
        total = sum(sizes.values()) / 1e6
        verdict = "✓" if total <= SIZE_TARGET_MB else "✗"
        print(f"\ninstalled size (site-packages without pip and setuptools): {total:.0f} MB  "
              f"(target ≤ {SIZE_TARGET_MB} MB {verdict})")
        for name, size in sorted(sizes.items(), key=lambda item: -item[1])[:10]:
            print(f"  {name:<44} {size / 1e6:7.1f} MB")
        home = temp / "home"
        home.mkdir()
        print("\n`trialtui search neuroblastoma`, empty TRIALTUI_HOME (the five seeds)")
        for label in ("first search after the install", "the same search again"):
            wall, line = timed_search(venv, home)
            target = f"  (target ≤ {FIRST_SEARCH_TARGET:.0f} s {'✓' if wall <= FIRST_SEARCH_TARGET else '✗'})" \
                if label.startswith("first") else ""
            print(f"  {label:<32} {wall:6.2f} s{target}")
        print(f"  its first line: {line}")
        print(f"\n({BEFORE})")


if __name__ == "__main__":
    main()
