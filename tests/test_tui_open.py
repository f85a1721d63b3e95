"""Pilot tests of opening a library longer than a few screenfuls: its first rows show, in list
order, while the rest is read; then the whole list takes their place under the reader's cursor."""

from __future__ import annotations

import threading

import pytest
from textual.widgets import Static

from pilot_helpers import SIZE, text_of, toasts, wait_for
from test_store_catalog import SEED_IDS, make_trial
from trialtui.store import Database, Library
from trialtui.tui.app import build_app
from trialtui.tui.screens.browse import BrowseScreen
from trialtui.tui.widgets.trial_list import TrialList

LIBRARY_IDS = [f"NCT0100000{n}" for n in range(1, 7)]


@pytest.fixture
def held_library(trialtui_home, monkeypatch):
    """Seeds plus six library trials, the first 7 of 11 shown first; reading the whole library
    waits until the test sets the returned event."""
    with Database.open(trialtui_home / "trialtui.sqlite3") as db:
        Library(db).import_trials([make_trial(tid, "2024-01-01", f"Library trial {tid[-1]}") for tid in LIBRARY_IDS])
    monkeypatch.setattr(BrowseScreen, "FIRST_ROWS", 7)
    release = threading.Event()
    read = Library.digests

    def digests(self, limit=None, ids=None):
        if limit is None and ids is None:
            release.wait(30)
        return read(self, limit, ids)

    monkeypatch.setattr(Library, "digests", digests)
    yield release
    release.set()


def shown_ids(trials: TrialList) -> list[str]:
    """The trial ids on screen, top to bottom."""
    lines = [trials.render_line(y).text.split() for y in range(1, trials.size.height)]
    return [line[0] for line in lines if line and line[0].startswith(("NCT", "TT-"))]


async def test_the_first_rows_show_while_the_rest_is_read_then_all_under_the_same_cursor(held_library):
    app = build_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.screen
        trials = screen.query_one(TrialList)
        status = screen.query_one("#list-status", Static)
        await wait_for(pilot, lambda: bool(trials.digests))
        await pilot.pause()
        assert shown_ids(trials) == [*SEED_IDS, *LIBRARY_IDS[:2]]
        assert text_of(status) == "Loading 11 trials…"
        assert text_of(screen.query_one("#detail-title", Static)).startswith(SEED_IDS[0])

        trials.focus()
        await pilot.press("down", "down", "down", "down", "down", "down")
        assert trials.current.digest.trial_id == LIBRARY_IDS[1]
        await pilot.press("s", "end")
        await pilot.pause()
        assert shown_ids(trials) == [*SEED_IDS, *LIBRARY_IDS[:2]]
        assert trials.current.digest.trial_id == LIBRARY_IDS[1]
        await pilot.pause()
        said = toasts(app)
        assert "Sorting works once all 11 trials are read (still loading)." in said
        assert "End (the last trial) works once all 11 trials are read (still loading)." in said

        held_library.set()
        await wait_for(pilot, lambda: len(trials.digests) == 11)
        await wait_for(pilot, lambda: text_of(status) == "11 trials")
        assert shown_ids(trials) == [*SEED_IDS, *LIBRARY_IDS]
        assert trials.current.digest.trial_id == LIBRARY_IDS[1]
        assert text_of(screen.query_one("#detail-title", Static)) == f"{LIBRARY_IDS[1]}  Library trial 2"
        await pilot.press("end")
        assert trials.current.digest.trial_id == LIBRARY_IDS[-1]


async def test_a_search_typed_while_the_rest_is_read_runs_once_all_are_indexed(held_library):
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        trials = screen.query_one(TrialList)
        status = screen.query_one("#list-status", Static)
        await wait_for(pilot, lambda: bool(trials.digests))
        await pilot.press("slash", *"trial 6")
        await wait_for(pilot, lambda: "search runs once they are indexed" in text_of(status))
        assert text_of(status) == "Loading 11 trials: the search runs once they are indexed…"
        assert not trials.digests

        held_library.set()
        await wait_for(pilot, lambda: "match" in text_of(status))
        assert trials.digests[0].trial_id == LIBRARY_IDS[-1]


async def test_the_whole_list_keeps_the_scroll_of_the_first_rows(held_library):
    app = build_app()
    async with app.run_test(size=(140, 10)) as pilot:
        trials = app.screen.query_one(TrialList)
        await wait_for(pilot, lambda: bool(trials.digests))
        trials.focus()
        await pilot.press(*["down"] * 6)
        await pilot.pause()
        before = shown_ids(trials)
        assert before[0] != SEED_IDS[0] and before[-1] == LIBRARY_IDS[1]

        held_library.set()
        await wait_for(pilot, lambda: len(trials.digests) == 11)
        await pilot.pause()
        assert shown_ids(trials) == before
        assert trials.current.digest.trial_id == LIBRARY_IDS[1]
