"""Pilot tests of the search index kept in the library: the app's fetches change it in place, and
a base made by another version of trialtui is built again while the status line says so."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Input, Static

import trialtui.library_index as library_index_module
from ctgov_server import FakeCtgov, nct_id_of
from pilot_helpers import SIZE, list_ready, text_of, wait_for
from trialtui.ingest.loader import iter_records
from trialtui.models import Trial
from trialtui.search import SearchIndex
from trialtui.store import Database, Library
from trialtui.store.search_base import read_base
from trialtui.tui.app import build_app
from trialtui.tui.dialogs.fetch_dialog import FetchDialog


@pytest.fixture
def library_with_base(shared_data) -> list[Trial]:
    """A library of the 45 trials of the real Boston API page but the last five, with its base."""
    trials = [t for t in iter_records(shared_data / "ctgov-v2" / "api-page-boston.json") if isinstance(t, Trial)]
    with Database.open() as db:
        library = Library(db)
        library.import_trials(trials[:-5])
        library_index_module.refresh_base(library)
    return trials


@pytest.fixture
def builds(monkeypatch) -> list[int]:
    counted: list[int] = []
    real = SearchIndex.build.__func__
    monkeypatch.setattr(SearchIndex, "build", classmethod(
        lambda cls, digests: counted.append(1) or real(cls, digests)))
    return counted


async def test_a_fetch_in_the_app_puts_the_trials_in_the_index_without_building_it(
        library_with_base, boston_studies, builds, monkeypatch):
    fetched = boston_studies[-5:]
    with FakeCtgov(boston_studies) as api:
        monkeypatch.setenv("TRIALTUI_API_URL", api.base_url)
        app = build_app()
        async with app.run_test(size=SIZE) as pilot:
            screen, trials = await list_ready(pilot)
            await wait_for(pilot, lambda: app.session.searchable, "the index")
            assert builds == [] and app.session.index_rebuilt is None
            listed, catalog, index = len(trials.rows), app.session.catalog, app.session.search_index
            await pilot.press("g")
            dialog = app.screen
            assert isinstance(dialog, FetchDialog)
            dialog.query_one("#fetch-nct_ids", Input).value = " ".join(nct_id_of(s) for s in fetched)
            dialog.query_one("#fetch-nct_ids", Input).focus()
            await pilot.press("enter")
            status = dialog.query_one("#fetch-status", Static)
            await wait_for(pilot, lambda: str(status.content).startswith("Fetched"))
            await pilot.press("escape")
            await wait_for(pilot, lambda: len(trials.rows) == listed + 5, "the fetched trials listed")
            wanted = nct_id_of(fetched[2])
            screen.query_one("#search", Input).value = wanted
            await wait_for(pilot, lambda: [row.digest.trial_id for row in trials.rows] == [wanted],
                           "the fetched trial found")
            # Changed in place: neither the list nor the index read or made again.
            assert builds == [] and app.session.catalog is catalog and app.session.search_index is index


async def test_a_base_of_another_version_is_built_again_and_the_status_line_says_so(
        library_with_base, builds, monkeypatch):
    monkeypatch.setattr(library_index_module, "INDEX_LAYOUT", library_index_module.INDEX_LAYOUT + 1)
    release = threading.Event()
    real = SearchIndex.build.__func__

    def held_build(cls, digests):
        release.wait(30)
        return real(cls, digests)

    monkeypatch.setattr(SearchIndex, "build", classmethod(held_build))
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, trials = await list_ready(pilot)
        line = screen.query_one("#list-status", Static)
        await wait_for(pilot, lambda: "made by another version of trialtui" in text_of(line), "the status line")
        total = f"{len(app.session.catalog):,} trials"
        assert text_of(line) == f"{total} (the search index was made by another version of trialtui: building it again…)"
        release.set()
        await wait_for(pilot, lambda: app.session.searchable and text_of(line) == total, "the index")
        with Database.open() as db:
            await wait_for(pilot, lambda: read_base(db).layout == library_index_module.INDEX_LAYOUT,
                           "the new base kept")
        screen.query_one("#search", Input).value = "Dana-Farber"
        await wait_for(pilot, lambda: "Dana-Farber" in text_of(line), "the results")
        assert "Dana Farber Cancer Institute" in trials.rows[0].digest.facilities
