"""`make screenshots` runs and writes an SVG of every screen the script knows (what the screens look
like is pinned by the snapshot tests in test_snapshots.py, not here)."""

from __future__ import annotations

import importlib.util

from conftest import ROOT


def load_script():
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_screenshot_script_writes_every_screen(tmp_path, monkeypatch):
    monkeypatch.delenv("TRIALTUI_API_URL", raising=False)
    script = load_script()
    written = script.write_all(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{name}.svg" for name in script.SCREENS)
    assert sorted(written) == sorted(tmp_path.iterdir())
    assert all(p.read_text().startswith("<svg") for p in written)
