"""The fetch dialog against slow and remembered servers: Esc and Ctrl+Q always work, fields stay."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from ctgov_server import FakeCtgov, Fault, nct_id_of
from pilot_helpers import SIZE, loaded, wait_for
from trialtui.fetch import RetryPolicy, StudyQuery, fetch_to_library
from trialtui.store import Database, Library
from trialtui.tui.app import build_app
from trialtui.tui.dialogs.fetch_dialog import FetchDialog
from trialtui.tui.screens.browse import BrowseScreen
from trialtui.tui.screens.changes import ChangesScreen
from trialtui.tui.widgets.trial_list import TrialList

TESTS = Path(__file__).resolve().parent


@pytest.fixture
def studies(boston_studies):
    return boston_studies


@pytest.fixture(autouse=True)
def no_server_from_the_environment(monkeypatch):
    monkeypatch.delenv("TRIALTUI_API_URL", raising=False)


async def open_fetch_dialog(pilot) -> FetchDialog:
    screen = pilot.app.screen
    screen.query_one(TrialList).focus()
    await pilot.press("g")
    assert isinstance(pilot.app.screen, FetchDialog)
    return pilot.app.screen


def field(dialog: FetchDialog, name: str) -> Input:
    return dialog.query_one(f"#fetch-{name}", Input)


async def test_esc_stops_a_fetch_the_server_sits_on_within_a_second(studies):
    with FakeCtgov(studies) as api:
        api.fail_next(Fault(status=200, delay=60))
        app = build_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            dialog = await open_fetch_dialog(pilot)
            field(dialog, "base-url").value = api.base_url
            field(dialog, "cond").value = "cancer"
            field(dialog, "cond").focus()
            await pilot.press("enter")
            await wait_for(pilot, lambda: api.received == 1)
            status = dialog.query_one("#fetch-status", Static)
            await pilot.press("escape")
            pressed = time.monotonic()
            await wait_for(pilot, lambda: str(status.content).startswith("Fetch cancelled"))
            assert time.monotonic() - pressed < 1.0
            assert str(status.content) == "Fetch cancelled before the first page arrived; nothing was stored."
            await pilot.press("escape")
            assert isinstance(app.screen, BrowseScreen)


async def test_the_dialog_keeps_its_fields_between_openings_and_runs(studies):
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        dialog = await open_fetch_dialog(pilot)
        field(dialog, "cond").value = "melanoma"
        field(dialog, "statuses").value = "recruiting"
        field(dialog, "base-url").value = "http://127.0.0.1:9/api/v2"
        await pilot.press("escape")
        dialog = await open_fetch_dialog(pilot)
        assert field(dialog, "cond").value == "melanoma"
        assert field(dialog, "statuses").value == "recruiting"
        assert field(dialog, "base-url").value == "http://127.0.0.1:9/api/v2"
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        dialog = await open_fetch_dialog(pilot)
        assert field(dialog, "cond").value == "melanoma"
        assert field(dialog, "base-url").value == "http://127.0.0.1:9/api/v2"


async def test_a_server_that_is_no_url_is_explained_in_the_dialog():
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        dialog = await open_fetch_dialog(pilot)
        field(dialog, "cond").value = "melanoma"
        field(dialog, "base-url").value = "notaurl"
        field(dialog, "cond").focus()
        await pilot.press("enter")
        assert str(dialog.query_one("#fetch-status", Static).content) == (
            "Server: notaurl: not an http:// or https:// address (e.g. https://clinicaltrials.gov/api/v2)")


async def test_update_in_the_changes_view_asks_the_server_typed_in_the_fetch_dialog(studies):
    watched = studies[:3]
    fast = RetryPolicy(max_tries=2, base_delay=0.01, min_interval=0.0)
    with FakeCtgov(watched) as api:
        with Database.open() as db:
            assert fetch_to_library(StudyQuery.build(nct_ids=[nct_id_of(s) for s in watched]),
                                    Library(db), base_url=api.base_url, policy=fast).complete
        before = api.count()
        app = build_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            dialog = await open_fetch_dialog(pilot)
            field(dialog, "base-url").value = api.base_url
            await pilot.press("escape")
            await pilot.press("w")
            assert isinstance(app.screen, ChangesScreen)
            await pilot.press("u")
            await wait_for(pilot, lambda: api.count() > before)
    asked = api.requests[before]
    assert sorted(asked.params["filter.ids"].split(",")) == sorted(nct_id_of(s) for s in watched)


QUIT_DURING_FETCH = textwrap.dedent("""
    import sys
    from pilot_helpers import loaded, wait_for
    from trialtui.tui.app import build_app
    from trialtui.tui.widgets.trial_list import TrialList

    base_url, go = sys.argv[1], sys.argv[2]

    async def quit_mid_fetch(pilot):
        await loaded(pilot)
        pilot.app.screen.query_one(TrialList).focus()
        await pilot.press("g")
        pilot.app.screen.query_one("#fetch-base-url").value = base_url
        pilot.app.screen.query_one("#fetch-cond").value = "cancer"
        pilot.app.screen.query_one("#fetch-cond").focus()
        await pilot.press("enter")
        print("fetching", flush=True)
        with open(go) as told:  # the test says "go" once the request is at the server
            await wait_for(pilot, lambda: told.seek(0) == 0 and told.read() == "go", timeout=60)
        print("quitting", flush=True)
        await pilot.press("ctrl+q")

    build_app().run(headless=True, size=(140, 40), auto_pilot=quit_mid_fetch)
    print("quit", flush=True)
""")


def test_ctrl_q_mid_fetch_ends_the_process(studies, trialtui_home, tmp_path):
    go = tmp_path / "go"
    go.write_text("")
    with FakeCtgov(studies) as api:
        api.fail_next(Fault(status=200, delay=60))
        child = subprocess.Popen(
            [sys.executable, "-c", QUIT_DURING_FETCH, api.base_url, str(go)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "TRIALTUI_HOME": str(trialtui_home),
                 "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])},
        )
        assert child.stdout.readline() == "fetching\n"
        api.wait_received(1)
        go.write_text("go")
        assert child.stdout.readline() == "quitting\n"
        quit_at = time.monotonic()
        out, err = child.communicate(timeout=30)
        took = time.monotonic() - quit_at
    assert child.returncode == 0, err
    assert out == "quit\n"
    assert took < 5


async def test_an_empty_server_field_asks_the_default_server(studies, monkeypatch):
    with FakeCtgov(studies) as api:
        monkeypatch.setenv("TRIALTUI_API_URL", api.base_url)
        app = build_app()
        async with app.run_test(size=SIZE) as pilot:
            await loaded(pilot)
            dialog = await open_fetch_dialog(pilot)
            field(dialog, "base-url").value = ""
            field(dialog, "nct_ids").value = nct_id_of(studies[0])
            field(dialog, "nct_ids").focus()
            await pilot.press("enter")
            status = dialog.query_one("#fetch-status", Static)
            await wait_for(pilot, lambda: str(status.content).startswith("Fetched"))
    assert api.count() == 1
