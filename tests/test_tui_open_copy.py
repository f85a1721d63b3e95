"""Pilot tests of `o` (open the record on ClinicalTrials.gov) and `i` (copy the id): each says
what really happened, and `y` in the list never copies (it marks a criterion in the checklist)."""

from __future__ import annotations

import webbrowser

import pytest

from conftest import SEEDS
from pilot_helpers import SIZE, list_ready, loaded, toasts, wait_for
from trialtui.tui.app import build_app
from trialtui.tui.widgets.trial_list import TrialList

URL = "https://clinicaltrials.gov/study/NCT06751134"


class FakeBrowser(webbrowser.BaseBrowser):
    """A graphical browser that starts (or fails to), recording what it was asked to open."""

    def __init__(self, starts: bool) -> None:
        super().__init__("fake")
        self.starts = starts
        self.opened: list[str] = []

    def open(self, url, new=0, autoraise=True):
        self.opened.append(url)
        return self.starts


def said(app) -> list[str]:
    return toasts(app)


async def open_on_registry(pilot) -> None:
    screen, trials = await list_ready(pilot, "NCT06751134")
    await pilot.press("o")


async def test_o_says_the_browser_got_the_address(monkeypatch):
    browser = FakeBrowser(starts=True)
    monkeypatch.setattr(webbrowser, "get", lambda: browser)
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_on_registry(pilot)
        await wait_for(pilot, lambda: f"Handed {URL} to your web browser." in said(app))
        assert browser.opened == [URL]


async def test_o_shows_the_address_when_no_browser_starts(monkeypatch):
    browser = FakeBrowser(starts=False)
    monkeypatch.setattr(webbrowser, "get", lambda: browser)
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_on_registry(pilot)
        await wait_for(pilot, lambda: f"No web browser could be started from this terminal. The address is {URL}" in said(app))
        assert not any(m.startswith("Handed") for m in said(app))


async def test_o_never_starts_a_browser_inside_the_terminal(monkeypatch):
    console = webbrowser.GenericBrowser("lynx")  # would take over the terminal, in the foreground
    monkeypatch.setattr(console, "open", lambda *args, **kwargs: pytest.fail("lynx was started"))
    monkeypatch.setattr(webbrowser, "get", lambda: console)
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await open_on_registry(pilot)
        await pilot.pause()
        assert f"No web browser could be started from this terminal. The address is {URL}" in said(app)


async def test_i_copies_the_id_by_osc52_and_says_what_that_needs(monkeypatch):
    monkeypatch.delenv("TERM_PROGRAM", raising=False)
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen, trials = await list_ready(pilot, "NCT06751134")
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == "" and not said(app)
        await pilot.press("i")
        await pilot.pause()
        assert app.clipboard == "NCT06751134"
        assert said(app) == ["Sent NCT06751134 to the clipboard (OSC 52): it arrives only if your terminal "
                             "allows programs to set the clipboard."]


async def test_i_says_the_clipboard_is_unreachable_in_macos_terminal(monkeypatch):
    monkeypatch.setenv("TERM_PROGRAM", "Apple_Terminal")
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await loaded(pilot)
        screen.query_one(TrialList).focus()
        screen.query_one(TrialList).highlight("NCT06751134")
        await pilot.press("i")
        await pilot.pause()
        assert app.clipboard == ""
        assert said(app) == ["The clipboard is unreachable: macOS Terminal does not let programs set it. "
                             "The id is NCT06751134"]
