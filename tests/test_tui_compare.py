"""Pilot tests of the compare screen: mark two trials, read the threshold verdicts and sources."""

from __future__ import annotations

from textual.widgets import DataTable, Static

from conftest import SEEDS
from pilot_helpers import SIZE, list_ready, loaded, toasts
from trialtui.tui.app import build_app
from trialtui.tui.screens.browse import BrowseScreen
from trialtui.tui.screens.compare import CompareScreen
from trialtui.tui.widgets.trial_list import TrialList


def cell(table: DataTable, row: str, column: str) -> str:
    return str(table.get_cell(row, column))


async def open_compare(pilot, a: str, b: str) -> CompareScreen:
    screen, trials = await list_ready(pilot, a)
    await pilot.press("m")
    trials.highlight(b)
    await pilot.press("m")
    assert trials.current.badges.startswith("◆")
    await pilot.press("c")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CompareScreen)
    return pilot.app.screen


async def test_marking_two_trials_and_comparing_shows_clinician_verdicts():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot, "NCT06751134", "NCT06674265")
        table = screen.query_one("#threshold-diff", DataTable)
        assert "A stricter" in cell(table, "platelets", "verdict")
        assert "A stricter" in cell(table, "anc", "verdict")
        assert "B stricter" in cell(table, "total_bilirubin", "verdict")
        assert "B stricter" in cell(table, "spo2", "verdict")
        assert "same" in cell(table, "lvef", "verdict")
        assert "only in A" in cell(table, "weight", "verdict")
        assert "only in B" in cell(table, "shortening_fraction", "verdict")
        assert cell(table, "platelets", "a") == "≥ 75 ×10^9/L"

        facts = screen.query_one("#record-diff", DataTable)
        assert cell(facts, "Ages", "a") == "1 Year – 12 Years"
        assert cell(facts, "Ages", "b") == "2 Years – 16 Years"


async def test_selecting_a_row_shows_both_source_sentences_and_d_hides_same_rows():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_compare(pilot, "NCT06751134", "NCT06674265")
        table = screen.query_one("#threshold-diff", DataTable)
        table.move_cursor(row=table.get_row_index("platelets"))
        await pilot.pause()
        a_source = str(screen.query_one("#source-a", Static).content)
        b_source = str(screen.query_one("#source-b", Static).content)
        assert "Platelet count ≥75×10^9/L" in a_source
        assert "50,000/µL" in b_source

        rows_before = table.row_count
        await pilot.press("d")
        assert table.row_count < rows_before
        assert "lvef" not in [key.value for key in table.rows]

        await pilot.press("escape")
        assert isinstance(app.screen, BrowseScreen)


async def test_compare_without_two_marks_explains_what_to_do():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await loaded(pilot)
        screen.query_one(TrialList).focus()
        await pilot.press("c")
        assert isinstance(app.screen, BrowseScreen)
        await pilot.pause()
        assert any("Mark two trials" in said for said in toasts(app))
