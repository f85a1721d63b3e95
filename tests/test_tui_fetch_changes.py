"""Pilot tests of the fetch dialog and the changes view, against the local fake registry."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Static

from ctgov_server import FakeCtgov, nct_id_of, sponsor_update, study_to_change
from pilot_helpers import SIZE, list_ready, loaded, wait_for
from trialtui.fetch import RetryPolicy, StudyQuery, fetch_to_library, update_library
from trialtui.store import Database, Library
from trialtui.tui.app import build_app
from trialtui.tui.dialogs.fetch_dialog import FetchDialog
from trialtui.tui.screens.browse import BrowseScreen
from trialtui.tui.screens.changes import ChangesScreen
from trialtui.tui.widgets.trial_list import TrialList

FAST = RetryPolicy(max_tries=3, base_delay=0.01, max_delay=0.05, min_interval=0.0, timeout=5)


@pytest.fixture
def studies(boston_studies):
    return boston_studies


async def test_fetch_dialog_stores_the_studies_and_the_list_shows_them(studies, monkeypatch):
    wanted = studies[:3]
    with FakeCtgov(studies, max_page_size=2) as api:
        monkeypatch.setenv("TRIALTUI_API_URL", api.base_url)
        app = build_app()
        async with app.run_test(size=SIZE) as pilot:
            screen = await loaded(pilot)
            screen.query_one(TrialList).focus()
            await pilot.press("g")
            dialog = app.screen
            assert isinstance(dialog, FetchDialog)
            assert dialog.query_one("#fetch-base-url", Input).value == api.base_url
            dialog.query_one("#fetch-nct_ids", Input).value = " ".join(nct_id_of(s) for s in wanted)
            dialog.query_one("#fetch-nct_ids", Input).focus()
            await pilot.press("enter")
            status = dialog.query_one("#fetch-status", Static)
            await wait_for(pilot, lambda: str(status.content).startswith("Fetched"))
            assert str(status.content) == "Fetched 3 studies in 2 pages: 3 added, 0 updated, 0 unchanged."
            await pilot.press("escape")
            assert isinstance(app.screen, BrowseScreen)
            trials = screen.query_one(TrialList)
            await wait_for(pilot, lambda: len(trials.rows) == 8)
            assert {nct_id_of(s) for s in wanted} <= {r.digest.trial_id for r in trials.rows}
    with Database.open() as db:
        assert Library(db).count() == 3


async def test_fetch_with_no_field_filled_explains_instead_of_fetching_everything():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        screen.query_one(TrialList).focus()
        await pilot.press("g")
        await pilot.press("enter")
        assert "Fill in at least one field" in str(app.screen.query_one("#fetch-status", Static).content)


async def test_changes_view_lists_what_moved_and_r_marks_it_reviewed(studies):
    to_change = study_to_change(studies)
    watched = [to_change, *[s for s in studies if nct_id_of(s) != nct_id_of(to_change)][:4]]
    changed_id = nct_id_of(to_change)
    with FakeCtgov(watched) as api, Database.open() as db:
        library = Library(db)
        assert fetch_to_library(StudyQuery.build(nct_ids=[nct_id_of(s) for s in watched]), library,
                                base_url=api.base_url, policy=FAST).complete
        library.mark_reviewed(changed_id)
        api.put_study(sponsor_update(to_change))
        assert update_library(library, base_url=api.base_url, policy=FAST).updated == 1

    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, trials = await list_ready(pilot)
        row = trials.rows[trials.index_of(changed_id)]
        assert "Δ" in row.badges
        await pilot.press("w")
        assert isinstance(app.screen, ChangesScreen)
        lines = str(app.screen.query_one("#change-lines", Static).content)
        assert "version 1 → 2 (since your review)" in lines
        assert "• platelets ≥ 100 → ≥ 50 ×10^9/L (looser)" in lines
        assert "• status: Recruiting → Active not recruiting" in lines
        await pilot.press("r")
        assert "Nothing changed since you last saw your trials" in str(app.screen.query_one("#changes-status", Static).content)
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Δ" not in trials.rows[trials.index_of(changed_id)].badges)
