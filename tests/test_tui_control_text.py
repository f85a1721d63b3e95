"""Pilot tests: control characters from stored data (a note, a file name, a trial id, a title)
are drawn as visible stand-ins, never written to the terminal, wherever the TUI shows them."""

from __future__ import annotations

import json

from textual.geometry import Region
from textual.widgets import Input, Static, TextArea

from conftest import SEEDS
from hostile_records import store_under_made_up_id
from pilot_helpers import SIZE, list_ready, text_of, toasts, wait_for
from test_tui_import import open_dialog, type_path
from trialtui.cli import main
from trialtui.store import Annotations, Database
from trialtui.tui.app import build_app
from trialtui.tui.dialogs.export_dialog import ExportDialog
from trialtui.tui.dialogs.note_editor import NoteEditor
from trialtui.tui.widgets.trial_list import TrialList

CNK = "NCT06751134"
NOTE = "hello\x1b]0;TITLE-HIJACKED\x07 world\x1b[2J\x1b[31mRED"
RAW = ("\x1b", "\x07", "\u2028", "\u202e")


def drawn(widget) -> str:
    """The widget's lines as the terminal is sent them (Textual's line filters applied)."""
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, *widget.region.size)))


def stored_note(trial_id: str) -> str:
    with Database.open() as db:
        return Annotations(db).get(trial_id).note


async def test_a_note_holding_escape_sequences_is_drawn_visibly_and_kept_until_edited(tmp_path):
    exported = tmp_path / "colleague.json"
    exported.write_text(json.dumps([{"trial_id": CNK, "note": NOTE}]), encoding="utf-8")
    assert main(["annotations", "import", str(exported)]) == 0
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        await list_ready(pilot, CNK)
        await pilot.press("n")
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        await pilot.pause()
        shown = drawn(editor.query_one(TextArea))
        assert "hello␛]0;TITLE-HIJACKED␇ world␛[2J␛[31mRED" in shown
        assert not any(char in shown for char in RAW)
        assert text_of(editor.query_one("#note-status", Static)) == (
            "This note holds control characters, shown as ␛, \\u202e and the like; "
            "it is stored as it is unless you edit it, then as shown. Esc closes.")
        await pilot.press("escape")
        assert stored_note(CNK) == NOTE  # opened and closed: nothing written

        await pilot.press("n")
        await pilot.press("end", "exclamation_mark")
        await wait_for(pilot, lambda: stored_note(CNK).endswith("RED!"), "the edited note saved")
        assert stored_note(CNK) == "hello␛]0;TITLE-HIJACKED␇ world␛[2J␛[31mRED!"  # stored as it was shown


async def test_a_completed_file_name_is_drawn_visibly(tmp_path, monkeypatch):
    (tmp_path / "x\x1b]0;SUGGEST\x07\x1b[2Jy.jsonl").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # a short path: the whole completion fits in the box
    app = build_app(data=[SEEDS])
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        path = dialog.query_one("#import-path", Input)
        await type_path(pilot, "./x")
        await wait_for(pilot, lambda: path._suggestion.endswith("y.jsonl"), "the completion")
        await pilot.pause()  # drawn
        shown = drawn(path)
        assert "./x␛]0;SUGGEST␛[2Jy.jsonl" in shown  # Rich drops the BEL (␇) from what it draws
        assert not any(char in shown for char in RAW)


async def test_a_hostile_trial_id_exports_under_a_plain_name_in_the_working_folder(tmp_path, monkeypatch):
    hostile = "/tmp/abs_pwn/\x1b]0;EXP\x07../owned"
    store_under_made_up_id(hostile)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        await list_ready(pilot, hostile)
        await pilot.press("e")
        assert isinstance(app.screen, ExportDialog)
        field = app.screen.query_one(Input)
        assert field.value == str(work / "_tmp_abs_pwn___0_EXP____owned.md")
        assert not any(char in drawn(field) for char in RAW)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, ExportDialog), "the report written")
    assert [path.name for path in work.iterdir()] == ["_tmp_abs_pwn___0_EXP____owned.md"]


async def test_a_title_with_a_line_separator_or_bidi_override_is_drawn_visibly(tmp_path):
    title = "Alpha\u2028Beta \u202eReversed\u202c end"
    record = {"protocolSection": {"identificationModule": {"nctId": "NCT09999998", "briefTitle": title}}}
    (tmp_path / "title.json").write_text(json.dumps(record), encoding="utf-8")
    app = build_app(data=[tmp_path / "title.json"])
    async with app.run_test(size=SIZE) as pilot:
        screen, trials = await list_ready(pilot, "NCT09999998")
        row = trials.render_line(1).text
        assert "Alpha\\u2028Beta \\u202eReversed" in row
        shown = drawn(screen.query_one(TrialList)) + drawn(screen.query_one("#detail-title", Static))
        assert not any(char in shown for char in RAW)


async def test_a_stored_id_holding_markup_is_told_literally_and_never_handed_to_a_browser(monkeypatch):
    made_up = "[/x][red]NCT0000001"
    store_under_made_up_id(made_up)
    monkeypatch.delenv("TERM_PROGRAM", raising=False)
    app = build_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await list_ready(pilot, made_up)
        await pilot.press("o")
        await wait_for(pilot, lambda: len(toasts(app)) == 1, "the registry notice")
        await pilot.press("i")
        await wait_for(pilot, lambda: len(toasts(app)) == 2, "the clipboard notice")
        assert toasts(app) == [f"{made_up} has no NCT ID: it is not on ClinicalTrials.gov.",
                               f"Sent {made_up} to the clipboard (OSC 52): it arrives only if your terminal allows "
                               "programs to set the clipboard."]
        assert app.is_running
