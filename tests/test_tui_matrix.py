"""Pilot tests of the threshold matrix: mark four seeds with m, open it with M, read the cells,
the ▲/▼ marks and the source sentence; the CLI's `diff` of the same trials ranks them alike."""

from __future__ import annotations

import json

from textual.widgets import DataTable, Static

from conftest import SEEDS
from pilot_helpers import SIZE, list_ready, loaded, text_of
from trialtui.cli import main
from trialtui.tui.app import build_app
from trialtui.tui.screens.browse import BrowseScreen
from trialtui.tui.screens.compare import CompareScreen
from trialtui.tui.screens.matrix import MatrixScreen
from trialtui.tui.widgets.trial_list import TrialList

FOUR = ("NCT06751134", "NCT06674265", "NCT06836505", "NCT06631040")


def cell(table: DataTable, row: str, column: str) -> str:
    return str(table.get_cell(row, column))


async def mark(pilot, trial_ids) -> None:
    screen, trials = await list_ready(pilot)
    for trial_id in trial_ids:
        trials.highlight(trial_id)
        await pilot.press("m")


async def open_matrix(pilot) -> MatrixScreen:
    await mark(pilot, FOUR)
    await pilot.press("M")
    await pilot.pause()
    assert isinstance(pilot.app.screen, MatrixScreen)
    return pilot.app.screen


async def test_marking_four_seeds_and_pressing_M_shows_their_thresholds_ranked():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_matrix(pilot)
        table = screen.query_one("#threshold-matrix", DataTable)
        assert [str(c.label) for c in table.columns.values()] == ["Measure", *FOUR, "Spread", "Stated by"]
        assert cell(table, "platelets", "NCT06751134") == "▲ ≥ 75 ×10^9/L"
        assert cell(table, "platelets", "NCT06674265") == "> 50 ×10^9/L"
        assert cell(table, "platelets", "NCT06836505") == "—"
        assert cell(table, "platelets", "NCT06631040") == "▼ ≥ 50 ×10^9/L"
        assert cell(table, "platelets", "stated") == "in 3 of 4"
        assert cell(table, "platelets", "spread") == "≥ 50 → ≥ 75 ×10^9/L"
        assert cell(table, "creatinine", "spread") == "—"  # not comparable: no order to spread along
        assert cell(table, "age", "NCT06751134") == "≥ 1 year\n≤ 12 years"
        assert cell(table, "age", "stated") == "all, not comparable"
        assert cell(table, "creatinine", "stated") == "all, not comparable"
        assert "▲" not in cell(table, "creatinine", "NCT06631040")

        table.move_cursor(row=table.get_row_index("platelets"), column=1)
        await pilot.pause()
        source = text_of(screen.query_one("#matrix-source", Static))
        assert source.startswith("NCT06751134: platelets\n“")
        assert "75" in source and "inclusion criteria" in source

        await pilot.press("escape")
        assert isinstance(pilot.app.screen, BrowseScreen)


async def test_the_screen_and_the_cli_name_the_same_strictest_and_loosest(capsys):
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_matrix(pilot)
        table = screen.query_one("#threshold-matrix", DataTable)
        shown = {}
        for row in screen.matrix.rows:
            marks = {trial_id: cell(table, row.measure, trial_id)[:1] for trial_id in FOUR}
            shown[row.measure] = ([t for t, m in marks.items() if m == "▲"], [t for t, m in marks.items() if m == "▼"])
    assert main(["diff", "--data", str(SEEDS), *FOUR, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    from_cli = {}
    for row in printed["rows"]:
        tie = row["strictest"] == row["loosest"]  # every trial the same: the screen marks nobody
        from_cli[row["measure"]] = ([], []) if tie else (row["strictest"], row["loosest"])
    assert shown == from_cli
    assert sum(bool(s) for s, _ in shown.values()) >= 8


async def test_c_still_compares_the_last_two_marked_and_one_mark_is_not_a_matrix():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        await mark(pilot, FOUR)
        assert app.session.marked == list(FOUR)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CompareScreen)
        assert (app.screen.comparison.a.trial_id, app.screen.comparison.b.trial_id) == FOUR[2:]
        await pilot.press("escape")
        for trial_id in FOUR[1:]:
            app.screen.query_one(TrialList).highlight(trial_id)
            await pilot.press("m")
        assert app.session.marked == [FOUR[0]]
        await pilot.press("M")
        await pilot.pause()
        assert isinstance(app.screen, BrowseScreen)


async def test_a_checked_patient_adds_a_verdict_row_and_marks_the_failing_cells():
    from trialtui.patient_check import PatientEntry

    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        assert app.session.set_patient(PatientEntry(age="10", labs={"platelets": "60 x10^9/L"})) == []
        screen = await open_matrix(pilot)
        table = screen.query_one("#threshold-matrix", DataTable)
        assert cell(table, "patient", "NCT06751134").startswith("fails: platelets")
        assert cell(table, "platelets", "NCT06751134") == "▲ ≥ 75 ×10^9/L ✗"
        assert cell(table, "platelets", "NCT06631040") == "▼ ≥ 50 ×10^9/L"  # 60 meets it
        assert not cell(table, "patient", "NCT06631040").startswith("fails: platelets")


async def test_the_patient_row_says_in_full_why_each_trial_fails_and_what_was_not_given():
    from trialtui.patient_check import PatientEntry

    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        app.session.set_patient(PatientEntry(age="10", conditions="prostate cancer",
                                             labs={"platelets": "60 x10^9/L"}))
        screen = await open_matrix(pilot)
        source = screen.query_one("#matrix-source", Static)
        assert text_of(source).splitlines() == [
            "NCT06751134: patient fails: condition, platelets",
            "✗ trial studies Neuroblastoma, Recurrent, Refractory, not prostate cancer",
            "✗ platelets 60 ×10^9/L < 75 required",
            "? not given: weight, lansky, life expectancy, ANC, ALC, hemoglobin, LVEF, SpO₂, total bilirubin,"
            " AST, ALT, creatinine, GFR",
        ]
        table = screen.query_one("#threshold-matrix", DataTable)
        table.move_cursor(row=table.get_row_index("platelets"), column=1)
        await pilot.pause()
        assert text_of(source).splitlines()[-1] == "✗ platelets 60 ×10^9/L < 75 required"


async def filter_by_tag(pilot, screen, tag: str) -> TrialList:
    from textual.widgets import Input

    from trialtui.tui.dialogs.filter_dialog import FilterDialog

    trials = screen.query_one(TrialList)
    await pilot.press("f")
    assert isinstance(pilot.app.screen, FilterDialog)
    pilot.app.screen.query_one("#filter-tag", Input).value = tag
    await pilot.press("ctrl+s")
    return trials


async def test_with_nothing_marked_M_takes_the_trials_a_tag_filter_lists():
    from pilot_helpers import type_text, wait_for

    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen, trials = await list_ready(pilot)
        for trial_id in ("NCT06674265", "NCT06631040"):
            trials.highlight(trial_id)
            await pilot.press("t")
            await type_text(pilot, "cart")
            await pilot.press("enter", "escape")
        await filter_by_tag(pilot, screen, "cart")
        await wait_for(pilot, lambda: len(trials.digests) == 2, "the list filtered to the two tagged trials")
        assert app.session.marked == []
        await pilot.press("M")
        await pilot.pause()
        assert isinstance(app.screen, MatrixScreen)
        table = app.screen.query_one("#threshold-matrix", DataTable)
        listed = [d.trial_id for d in trials.digests]
        assert sorted(listed) == ["NCT06631040", "NCT06674265"]
        assert [str(c.label) for c in table.columns.values()] == ["Measure", *listed, "Spread", "Stated by"]
        assert cell(table, "platelets", "NCT06674265") == "▲ > 50 ×10^9/L"
        assert cell(table, "platelets", "spread") == "≥ 50 → > 50 ×10^9/L"


async def test_with_nothing_marked_and_one_trial_listed_M_says_what_to_do():
    from pilot_helpers import toasts, type_text, wait_for

    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen, trials = await list_ready(pilot, "NCT06631040")
        await pilot.press("t")
        await type_text(pilot, "solo")
        await pilot.press("enter", "escape")
        await filter_by_tag(pilot, screen, "solo")
        await wait_for(pilot, lambda: len(trials.digests) == 1, "the list filtered to the one tagged trial")
        await pilot.press("M")
        await wait_for(pilot, lambda: toasts(app), "a notification")
        assert isinstance(app.screen, BrowseScreen)
        assert any("The list holds 1 trials: mark 2 to 20 trials with m, or filter the list down to 2 to 20"
                   in toast for toast in toasts(app))
