"""Pilot tests of the patient check: enter values once, every trial shows whether the patient fits."""

from __future__ import annotations

from textual.widgets import Input, Static

from conftest import SEEDS
from pilot_helpers import SIZE, list_ready, loaded, wait_for
from trialtui.tui.app import build_app
from trialtui.tui.dialogs.patient_dialog import PatientDialog
from trialtui.tui.screens.browse import BrowseScreen
from trialtui.tui.widgets.threshold_table import ThresholdTable
from trialtui.tui.widgets.trial_list import TrialList


async def fill(pilot, dialog: PatientDialog, values: dict[str, str]) -> None:
    for key, value in values.items():
        dialog.query_one(f"#patient-{key}", Input).value = value
    await pilot.pause()


async def open_patient_form(pilot) -> PatientDialog:
    """Wait for the list, press p from it, and return the patient form."""
    screen = await loaded(pilot)
    screen.query_one(TrialList).focus()
    await pilot.press("p")
    assert isinstance(pilot.app.screen, PatientDialog)
    return pilot.app.screen


async def checked_seeds(pilot, values: dict[str, str]):
    """On the seeds, with the first one selected: the patient form filled with `values` and applied
    with Enter; returns the browse screen and its list once every trial is checked."""
    screen, trials = await list_ready(pilot, "NCT06751134")
    await pilot.press("p")
    dialog = pilot.app.screen
    assert isinstance(dialog, PatientDialog)
    await fill(pilot, dialog, values)
    dialog.query_one("#patient-age", Input).focus()
    await pilot.press("enter")
    assert isinstance(pilot.app.screen, BrowseScreen)
    await wait_for(pilot, lambda: "Patient fits" in str(screen.query_one("#list-status", Static).content))
    return screen, trials


async def test_patient_values_mark_each_trial_and_the_thresholds():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen, trials = await checked_seeds(pilot, {"age": "8", "lab-anc": "1200/mm3", "lab-platelets": "80,000/µL",
                                                     "lab-lvef": "55%"})

        badges = {row.digest.trial_id: row.badges for row in trials.rows}
        assert badges["NCT06751134"] == "✗"  # ANC 1.2 is below the trial's 1.5 ×10^9/L
        assert badges["TT-6105b303ddf7"] == "?"
        assert "Patient fails: ANC" in str(screen.query_one("#detail-annotation", Static).content)

        table = screen.query_one(ThresholdTable)
        by_measure = {}
        for key in table.rows:
            by_measure.setdefault(str(table.get_cell(key, "measure")), str(table.get_cell(key, "patient")))
        assert by_measure["ANC"] == "✗ fails"
        assert by_measure["platelets"] == "✓ meets"
        assert by_measure["LVEF"] == "✓ meets"
        assert by_measure["total bilirubin"] == "? unknown"


async def test_the_detail_says_why_a_trial_fails_on_what_has_no_row_in_the_thresholds_table():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen, _trials = await checked_seeds(pilot, {"age": "8", "conditions": "prostate cancer", "lab-anc": "1200/mm3"})
        assert str(screen.query_one("#detail-annotation", Static).content) == (
            "Patient fails: condition, ANC; trial studies Neuroblastoma, Recurrent, Refractory, not prostate cancer")


async def test_unreadable_values_are_named_and_nothing_is_applied():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_patient_form(pilot)
        await fill(pilot, dialog, {"lab-anc": "lots"})
        dialog.query_one("#patient-lab-anc", Input).focus()
        await pilot.press("enter")
        assert isinstance(app.screen, PatientDialog)
        assert "ANC: cannot read 'lots'" in str(dialog.query_one("#patient-status", Static).content)
        await pilot.press("escape")
        assert app.session.patient is None


async def test_a_negative_count_typed_is_marked_on_its_field_and_never_checked():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_patient_form(pilot)
        platelets = dialog.query_one("#patient-lab-platelets", Input)
        platelets.focus()
        await pilot.press(*"-150 x10^9/L", "enter")
        assert isinstance(app.screen, PatientDialog)
        assert str(dialog.query_one("#patient-status", Static).content) == (
            "Fix or clear: Platelets: cannot read '-150 x10^9/L': a negative number")
        assert platelets.has_class("-invalid")
        assert not dialog.query_one("#patient-lab-anc", Input).has_class("-invalid")
        await pilot.press("home", "delete")
        assert not platelets.has_class("-invalid")  # an edit takes the mark off
        await pilot.press("enter")
        assert isinstance(app.screen, BrowseScreen)
        assert [(v.value, v.unit) for v in app.session.patient.labs["platelets"]] == [(150, "10^9/L")]


async def test_compare_screen_says_which_trial_the_patient_fits():
    from textual.widgets import DataTable

    from test_tui_compare import open_compare

    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        await fill(pilot, await open_patient_form(pilot), {"age": "8", "lab-anc": "1200/mm3", "lab-platelets": "80000/mm3"})
        await pilot.press("ctrl+s")
        compare = await open_compare(pilot, "NCT06751134", "NCT06674265")
        title = str(compare.query_one("#compare-title", Static).content)
        assert "Patient: A fails: ANC  |  B unknown" in title
        assert title.count("\n") == 2  # no condition, sex or healthy-volunteer reason to add
        table = compare.query_one("#threshold-diff", DataTable)
        assert str(table.get_cell("anc", "patient")) == "✗ / ✓"
        assert str(table.get_cell("platelets", "patient")) == "✓ / ✓"


async def test_compare_screen_says_why_a_trial_fails_on_what_has_no_row_in_the_diff():
    from test_tui_compare import open_compare

    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        await checked_seeds(pilot, {"age": "8", "conditions": "prostate cancer"})
        compare = await open_compare(pilot, "NCT06751134", "NCT06674265")
        lines = str(compare.query_one("#compare-title", Static).content).splitlines()
        assert lines[2:] == [
            "Patient: A fails: condition  |  B fails: condition",
            "A: trial studies Neuroblastoma, Recurrent, Refractory, not prostate cancer",
            "B: trial studies Neuroblastoma, Recurrent, Refractory Neuroblastoma (NB), Neuroblastoma in Children,"
            " not prostate cancer",
        ]


async def test_a_patient_saved_by_name_can_be_loaded_again():
    from textual.widgets import Select

    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_patient_form(pilot)
        await fill(pilot, dialog, {"age": "8", "lab-anc": "1200/mm3"})
        dialog.query_one("#patient-name", Input).value = "Lily"
        dialog.query_one("#patient-name", Input).focus()
        await pilot.press("enter")
        assert isinstance(app.screen, PatientDialog)
        assert "Saved as Lily." in str(dialog.query_one("#patient-status", Static).content)
        await pilot.press("escape")
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_patient_form(pilot)
        dialog.query_one("#patient-saved", Select).value = "Lily"
        await pilot.pause()
        assert dialog.query_one("#patient-lab-anc", Input).value == "1200/mm3"
        await pilot.press("ctrl+s")
        status = app.screen.query_one("#list-status", Static)
        await wait_for(pilot, lambda: "Patient fits" in str(status.content))
        assert app.session.patient.age == 8


async def test_the_tui_gives_the_verdicts_of_trialtui_check(shared_data, tmp_path, capsys):
    """The same patient, typed in the form and written in a patient file, gets the same verdict and
    reasons on every real trial (the NSCLC patient over the 1,147 API v2 studies)."""
    import json

    from textual.widgets import Select

    from test_patient_check import NSCLC_WOMAN
    from trialtui.cli import main

    studies = shared_data / "ctgov-v2" / "studies.v2.jsonl.gz"
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps(NSCLC_WOMAN))
    assert main(["check", "--patient", str(patient), "--json", "--data", str(studies)]) == 0
    cli = {row["trial_id"]: row for row in json.loads(capsys.readouterr().out)}

    app = build_app(data=[studies])
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_patient_form(pilot)
        labs = {f"lab-{measure}": value for measure, value in NSCLC_WOMAN["values"].items()}
        await fill(pilot, dialog, {"age": "62", "conditions": "non-small cell lung cancer", **labs})
        dialog.query_one("#patient-sex", Select).value = "FEMALE"
        dialog.query_one("#patient-healthy", Select).value = "no"
        await pilot.press("ctrl+s")
        status = app.screen.query_one("#list-status", Static)
        await wait_for(pilot, lambda: "Patient fits" in str(status.content), timeout=60)
        session = app.session
        tui = {d.trial_id: session.known_fit(d.trial_id).to_json(d.trial_id) for d in session.catalog.digests}
        assert session.patient.healthy is False
    assert len(tui) == len(cli) == 1147
    assert tui == cli
    verdicts = [row["verdict"] for row in cli.values()]
    assert f"Patient fits {verdicts.count('fits'):,}, fails {verdicts.count('fails'):,}" in str(status.content)
    assert cli["NCT05826366"]["verdict"] == "fits"
