"""Pilot tests of the patient check over a whole list: every checked trial keeps its patient column
(detail and compare), and verdicts stay as the list changes (reload, new search)."""

from __future__ import annotations

import shutil

from textual.widgets import DataTable, Input, Static

from conftest import SEEDS
from pilot_helpers import SIZE, loaded, type_text, wait_for
from trialtui.tui.app import build_app
from trialtui.tui.dialogs.patient_dialog import PatientDialog
from trialtui.tui.screens.compare import CompareScreen
from trialtui.tui.widgets.threshold_table import ThresholdTable
from trialtui.tui.widgets.trial_list import TrialList


async def enter_patient(pilot, values: dict[str, str]) -> None:
    """Press p from the list, type the values, Ctrl+S."""
    screen = await loaded(pilot)
    screen.query_one(TrialList).focus()
    await pilot.press("p")
    dialog = pilot.app.screen
    assert isinstance(dialog, PatientDialog)
    for key, value in values.items():
        dialog.query_one(f"#patient-{key}", Input).value = value
    await pilot.press("ctrl+s")


def status(screen) -> str:
    return str(screen.query_one("#list-status", Static).content)


def patient_cells(table: DataTable) -> dict[str, str]:
    return {str(table.get_cell(key, "measure")): str(table.get_cell(key, "patient")) for key in table.rows}


async def test_a_trial_checked_early_in_a_long_list_keeps_its_patient_column(shared_data):
    """The first trials checked leave the threshold cache long before the check of 1,147 ends;
    their table and the compare screen must still show what the patient meets and fails."""
    app = build_app(data=[shared_data / "ctgov-v2" / "studies.v2.jsonl.gz"])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await enter_patient(pilot, {"age": "62", "lab-anc": "1200/mm3", "lab-platelets": "90 x10^9/L"})
        await wait_for(pilot, lambda: "Patient fits" in status(screen), timeout=60)
        assert len(app.session.fitted()) == 1147
        assert status(screen).endswith("of 1,147")

        trials = screen.query_one(TrialList)
        trials.highlight("NCT02512666")  # WBC imaging: ANC ≥ 1,500/µL
        await pilot.pause()
        cells = patient_cells(screen.query_one(ThresholdTable))
        assert cells["ANC"] == "✗ fails"
        assert "Patient fails: ANC" in str(screen.query_one("#detail-annotation", Static).content)

        await pilot.press("m")
        trials.highlight("NCT04466527")  # acne laser: adults up to 55
        await pilot.press("m", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen))
        table = app.screen.query_one("#threshold-diff", DataTable)
        assert str(table.get_cell("anc", "patient")) == "✗ / —"
        assert str(table.get_cell("age", "patient")).endswith("/ ✗")


async def test_verdicts_stay_through_a_search_and_new_trials_are_checked_as_they_arrive(tmp_path):
    folder = tmp_path / "trials"
    folder.mkdir()
    seeds = sorted(SEEDS.iterdir())
    shutil.copy(seeds[0], folder)
    app = build_app(data=[folder])
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await enter_patient(pilot, {"age": "8", "lab-anc": "1200/mm3"})
        await wait_for(pilot, lambda: "Patient fits 0, fails 1, unknown 0 of 1" in status(screen))

        for seed in seeds[1:]:
            shutil.copy(seed, folder)
        await pilot.press("w")
        await pilot.press("escape")  # closing "What changed" reloads the list
        trials = screen.query_one(TrialList)
        await wait_for(pilot, lambda: len(trials.digests) == 5 and "of 5" in status(screen))
        assert status(screen) == "5 trials · Patient fits 0, fails 1, unknown 4 of 5"
        assert {row.digest.trial_id: row.badges for row in trials.rows} == {
            "NCT06751134": "✗", "NCT06674265": "?", "NCT06836505": "?", "NCT06631040": "?", "TT-6105b303ddf7": "?"}

        await wait_for(pilot, lambda: app.session.searchable)
        await pilot.press("slash")
        await type_text(pilot, "NCT06751134")
        await wait_for(pilot, lambda: "of 1" in status(screen))
        assert status(screen) == "1 of 5 trials match “NCT06751134” · Patient fits 0, fails 1, unknown 0 of 1"
        assert trials.rows[0].badges == "✗"

        target = tmp_path / "listed.csv"
        await pilot.press("escape", "ctrl+e")
        app.screen.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, target.exists)
        assert target.read_text().splitlines()[0].endswith(",note,patient")
        assert "fails: ANC" in target.read_text().splitlines()[1]
