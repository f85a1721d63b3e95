"""Pilot tests of the help screen: keys named by where they work in the reviewer's words, and a
legend for every symbol the screens draw."""

from __future__ import annotations

import re

from rich.console import Console

from conftest import SEEDS
from pilot_helpers import SIZE, loaded
from test_tui_compare import open_compare
from trialtui.tui.app import build_app
from trialtui.tui.screens.help import HelpScreen


def shown(help_screen: HelpScreen, widget_id: str) -> str:
    console = Console(width=110, record=True, file=open("/dev/null", "w"))
    console.print(help_screen.query_one(f"#{widget_id}").content)
    return console.export_text()


def class_names(text: str) -> set[str]:
    """The app's own class names (SectionIndex, ThresholdTable, CompareScreen…) found in `text`."""
    import inspect
    import pkgutil
    from importlib import import_module

    import trialtui.tui as tui

    names = set()
    for module in pkgutil.walk_packages(tui.__path__, "trialtui.tui."):
        names |= {name for name, obj in inspect.getmembers(import_module(module.name), inspect.isclass)
                  if obj.__module__.startswith("trialtui.tui")}
    return {name for name in names if re.search(rf"\b{name}\b", text)}


async def test_help_names_places_in_words_and_explains_every_symbol():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        screen.query_one("#criteria").focus()
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        keys = shown(app.screen, "help-keys")
        assert "Criteria checklist" in keys and "Section list" in keys
        assert not class_names(keys), keys
        legend = shown(app.screen, "help-legend")
        for symbol, means in [("◀", "A is stricter"), ("▶", "B is stricter"), ("(?)", "the reading is uncertain"),
                              ("(or)", "one of a group"), ("◆", "marked for comparison"), ("★", "starred"),
                              ("Δ", "changed since your last review"), ("✗", "the patient fails it")]:
            assert re.search(rf"{re.escape(symbol)}\s+{means}", legend), (symbol, legend)
        await pilot.press("escape")

        await open_compare(pilot, "NCT06751134", "NCT06674265")
        await pilot.press("f1")
        keys = shown(app.screen, "help-keys")
        assert "Compare" in keys and not class_names(keys), keys
