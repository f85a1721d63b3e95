"""The wheel carries what the installed `trialtui` needs: its styles and the bundled seeds."""

from __future__ import annotations

import subprocess
import sys
import zipfile

from conftest import ROOT


def test_the_wheel_ships_styles_and_seeds(tmp_path):
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    [wheel] = tmp_path.glob("trialtui-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "trialtui/styles/app.tcss" in names
    seeds = sorted(n for n in names if n.startswith("trialtui/seeds/"))
    assert seeds == sorted(f"trialtui/seeds/{p.name}" for p in (ROOT / "seeds").glob("*.txt"))
    assert len(seeds) == 5
    assert any(n.endswith("entry_points.txt") for n in names)
