"""What changed, as `trialtui update` prints it and `w` shows it, and edits from another process:
the list's badges and an open note editor follow them, and a note is never written over."""

from __future__ import annotations

import copy
import functools
import os
import subprocess
import sys

import pytest
from textual.widgets import OptionList, Static, TextArea

from conftest import SEEDS
from ctgov_server import FakeCtgov, load_studies, nct_id_of, sponsor_update, study_to_change
from pilot_helpers import SIZE, list_ready, text_of, toasts, type_text, wait_for
from trialtui.cli import main
from trialtui.store import Database
from trialtui.store.annotations import NOTE_SEPARATOR, Annotations
from trialtui.tui.app import build_app
from trialtui.tui.dialogs import note_editor
from trialtui.tui.dialogs.note_editor import NoteEditor
from trialtui.tui.screens.changes import ChangesScreen

FAST_RATE = ["--max-rate", "1000"]
CNK = "NCT06751134"
"""A bundled seed trial (annotations belong to the trial id, in the library or not)."""


@functools.cache
def _boston(path) -> list[dict]:
    return load_studies(path)


def completed(study: dict) -> dict:
    """The registry's next version of a study: completed, with a new last-update date."""
    new = copy.deepcopy(study)
    status = new["protocolSection"]["statusModule"]
    status["overallStatus"] = "COMPLETED"
    status["lastUpdatePostDateStruct"]["date"] = "2099-02-28"
    return new


def blocks(out: str) -> dict[str, list[str]]:
    """`trialtui update`'s changed trials: id → [title line, heading, change lines...]."""
    found = {}
    for block in out.split("\n\n")[1:]:
        lines = [line.strip() for line in block.strip().splitlines()]
        found[lines[0].split()[0]] = lines
    return found


def shown(screen: ChangesScreen) -> list[str]:
    """The highlighted trial's changes as the view shows them, bullets and blank lines dropped."""
    text = text_of(screen.query_one("#change-lines", Static))
    return [line.removeprefix("• ") for line in text.splitlines() if line]


@pytest.fixture
def studies(shared_data):
    boston = _boston(shared_data / "ctgov-v2" / "api-page-boston.json")
    first = study_to_change(boston)
    return [first, *[s for s in boston if nct_id_of(s) != nct_id_of(first)][:4]]


async def test_w_lists_what_update_printed_and_r_clears_it(studies, capsys):
    reviewed, never_reviewed, annotated_after, untouched = (nct_id_of(s) for s in studies[:4])
    with FakeCtgov(studies) as api:
        update = ["update", "--base-url", api.base_url, *FAST_RATE]
        ids = ",".join(nct_id_of(s) for s in studies)
        assert main(["fetch", "--id", ids, "--base-url", api.base_url, *FAST_RATE]) == 0
        assert main(["annotate", reviewed, "--status", "shortlisted"]) == 0
        api.put_study(sponsor_update(studies[0]))
        api.put_study(completed(studies[1]))
        api.put_study(completed(studies[2]))
        capsys.readouterr()
        assert main(update) == 0
        first_run = capsys.readouterr().out
        assert first_run.splitlines()[0] == "checked 5 trials: 3 updated, 2 unchanged"
        assert blocks(first_run).keys() == {reviewed, never_reviewed, annotated_after}
        assert main(["annotate", annotated_after, "--star"]) == 0  # reviewed after its update
        assert main(update) == 0
        printed = blocks(capsys.readouterr().out)

    assert printed.keys() == {reviewed, never_reviewed}
    assert printed[reviewed][1:] == [
        "version 1 → 2 (since your review)",
        "status: Recruiting → Active not recruiting",
        "platelets ≥ 100 → ≥ 50 ×10^9/L (looser)",
        printed[reviewed][4],
    ]
    assert printed[reviewed][4].startswith("site removed: ")
    assert printed[never_reviewed][1] == "version 1 → 2 (never reviewed; against the version before)"
    assert printed[never_reviewed][2].endswith("→ Completed")

    app = build_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen, trials = await list_ready(pilot)

        def delta(trial_id: str) -> bool:
            return "Δ" in trials.rows[trials.index_of(trial_id)].badges

        assert [delta(i) for i in (reviewed, never_reviewed, annotated_after, untouched)] == [
            True, True, False, False]
        await pilot.press("w")
        changes = app.screen
        assert isinstance(changes, ChangesScreen)
        options = changes.query_one(OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == sorted(printed)
        assert text_of(changes.query_one("#changes-status", Static)).startswith(
            f"{len(printed)} trials changed since you last saw them.")
        for index, trial_id in enumerate(sorted(printed)):
            options.highlighted = index
            await pilot.pause()
            assert shown(changes) == printed[trial_id]

        options.highlighted = sorted(printed).index(reviewed)
        await pilot.press("r")
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == [never_reviewed]
        assert text_of(changes.query_one("#changes-status", Static)).startswith(
            "1 trial changed since you last saw it.")
        await pilot.pause()
        assert any(f"{reviewed}: changes up to version 2 seen" in said for said in toasts(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not delta(reviewed))
        assert delta(never_reviewed)

    served = [sponsor_update(studies[0]), completed(studies[1]), completed(studies[2]), *studies[3:]]
    with FakeCtgov(served) as api:
        assert main(["update", "--base-url", api.base_url, *FAST_RATE]) == 0
        assert blocks(capsys.readouterr().out).keys() == {never_reviewed}


async def test_annotating_a_changed_trial_clears_its_badge(studies, capsys):
    trial_id = nct_id_of(studies[0])
    with FakeCtgov(studies) as api:
        assert main(["fetch", "--id", trial_id, "--base-url", api.base_url, *FAST_RATE]) == 0
        api.put_study(sponsor_update(studies[0]))
        assert main(["update", "--base-url", api.base_url, *FAST_RATE]) == 0
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, trials = await list_ready(pilot, trial_id)
        assert "Δ" in trials.current.badges
        await pilot.press("asterisk")
        assert trials.current.badges == "★"
        await pilot.press("w")
        assert app.screen.query_one(OptionList).option_count == 0


def annotate_elsewhere(home, *args: str) -> None:
    """`trialtui annotate` in its own process, as a script or a second terminal would."""
    subprocess.run([sys.executable, "-m", "trialtui", "annotate", *args], check=True,
                   env={**os.environ, "TRIALTUI_HOME": str(home)}, capture_output=True)


async def test_a_note_written_elsewhere_while_the_editor_is_open_survives(trialtui_home, monkeypatch):
    monkeypatch.setattr(note_editor, "SAVE_AFTER_IDLE", 30)  # only Esc saves: the order is the test's
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen, trials = await list_ready(pilot, CNK)
        await pilot.press("n")
        assert isinstance(app.screen, NoteEditor)
        await type_text(pilot, "mine: call Monday")
        annotate_elsewhere(trialtui_home, CNK, "--note", "theirs: eGFR 40")
        await type_text(pilot, ", ask PI")
        await pilot.press("escape")
        assert not isinstance(app.screen, NoteEditor)
        with Database.open() as db:
            note = Annotations(db).get(CNK).note
        assert note == f"theirs: eGFR 40\n{NOTE_SEPARATOR}\nmine: call Monday, ask PI"
        await pilot.pause()
        assert any(f"The note on {CNK} was changed elsewhere while you typed: both texts are kept"
                   in said for said in toasts(app))
        assert app.session.review(CNK).note == note


async def test_edits_from_another_process_show_without_a_key(trialtui_home):
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        screen, trials = await list_ready(pilot, CNK)
        annotate_elsewhere(trialtui_home, CNK, "--star", "--status", "shortlisted")
        await wait_for(pilot, lambda: trials.current.badges == "★✚")
        assert text_of(screen.query_one("#detail-annotation", Static)) == "★ · Shortlisted"

        await pilot.press("n")
        editor = app.screen
        annotate_elsewhere(trialtui_home, CNK, "--note", "from the coordinator")
        area = editor.query_one(TextArea)
        await wait_for(pilot, lambda: area.text == "from the coordinator")
        assert text_of(editor.query_one("#note-status", Static)).startswith("Updated from another window")
        await type_text(pilot, "; seen")
        await pilot.press("escape")
    with Database.open() as db:
        assert Annotations(db).get(CNK).note == "from the coordinator; seen"


async def test_undo_names_what_it_undid():
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen, trials = await list_ready(pilot, CNK)
        await pilot.press("r", "2")
        await pilot.press("r", "3")
        await type_text(pilot, "too old")
        await pilot.press("enter")
        await pilot.press("n")
        await type_text(pilot, "x")
        await pilot.press("escape")
        await pilot.press("u", "u")
        await pilot.pause()
        said = toasts(app)
        assert said[-2:] == [f"Undid note on {CNK}", f"Undid status Shortlisted → Excluded on {CNK}"]
        assert app.session.review(CNK).status == "shortlisted"
