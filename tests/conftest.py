"""Shared fixtures: every test runs with its own TRIALTUI_HOME, never the real home."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = ROOT / "seeds"
DATA = SHARED / "data"


@pytest.fixture(autouse=True)
def trialtui_home(tmp_path_factory, monkeypatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("TRIALTUI_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not DATA.is_dir():
        pytest.skip("../shared/data is not beside this checkout")
    return DATA
