"""Shared fixtures: every test runs with its own TRIALTUI_HOME, never the real home."""

from __future__ import annotations

import shutil
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


@pytest.fixture(scope="session")
def api_trials(shared_data) -> list:
    """The 1,147 real API v2 studies, read once for every test that indexes them."""
    from trialtui.ingest import load_paths

    return load_paths([shared_data / "ctgov-v2" / "studies.v2.jsonl.gz"]).trials


@pytest.fixture(scope="session")
def imported_library(tmp_path_factory, shared_data) -> Path:
    """A TRIALTUI_HOME holding the 1,147 API studies and the 6,786 legacy XML records, imported
    once per run through `trialtui import`: never written to (`library_home` is a copy)."""
    from trialtui.cli import main

    home = tmp_path_factory.mktemp("imported")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRIALTUI_HOME", str(home))
        assert main(["import", str(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz"),
                     str(shared_data / "ctgov-legacy-xml-subset.tar.gz")]) == 0
    return home


@pytest.fixture(scope="module")
def library_home(imported_library, tmp_path_factory) -> Path:
    """A test module's own copy of the imported library: its tests may write to it."""
    return Path(shutil.copytree(imported_library, tmp_path_factory.mktemp("library") / "home"))


@pytest.fixture(scope="session")
def api_digests(api_trials) -> list:
    from trialtui.digest import digest_trial

    return [digest_trial(trial) for trial in api_trials]


@pytest.fixture(scope="session")
def registry_studies(shared_data) -> list[dict]:
    """The first 150 real API v2 studies as the fake registry serves them (shared: copy to change)."""
    from ctgov_server import load_studies

    return load_studies(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz")[:150]


@pytest.fixture(scope="session")
def boston_studies(shared_data) -> list[dict]:
    """The 45 studies of the real Boston API page (shared: copy to change)."""
    from ctgov_server import load_studies

    return load_studies(shared_data / "ctgov-v2" / "api-page-boston.json")


@pytest.fixture
def library():
    """The library in this test's TRIALTUI_HOME, closed after the test."""
    from trialtui.store import Database, Library

    with Database.open() as db:
        yield Library(db)


def unreadable_inputs(folder: Path, suffix: str, not_utf_8: bytes) -> tuple[str, Path, Path]:
    """A device, a file one byte over the 64 MB cap (sparse: no disk, no time) and a file holding
    `not_utf_8`: the three kinds of input a small-file reader refuses."""
    huge = folder / f"huge{suffix}"
    with huge.open("wb") as handle:
        handle.truncate(64 * 1024 * 1024 + 1)
    latin = folder / f"latin{suffix}"
    latin.write_bytes(not_utf_8)
    return "/dev/zero", huge, latin
