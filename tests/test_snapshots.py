"""Every main screen and dialog as the reviewer sees it, colours and styles included, compared with
the SVG committed under tests/__snapshots__/ (pytest-textual-snapshot).

The screens are reached by the steps of scripts/screenshots.py, on the bundled seeds only (real
records hold real names), in a fresh TRIALTUI_HOME at a fixed terminal size, so nothing on screen
depends on the clock or the machine. When a screen changes on purpose, look at the report pytest
writes (snapshot_report.html) and accept the new pictures with

    pytest tests/test_snapshots.py --snapshot-update
"""

from __future__ import annotations

import pytest

from test_screenshots import load_script

SCRIPT = load_script()


@pytest.mark.parametrize("name", list(SCRIPT.SCREENS))
def test_screen(name, snap_compare, monkeypatch):
    monkeypatch.delenv("TRIALTUI_API_URL", raising=False)
    app, reach = SCRIPT.screen_app(name)
    assert snap_compare(app, terminal_size=SCRIPT.SIZE, run_before=reach)
