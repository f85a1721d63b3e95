"""Pilot tests of the import dialog (Ctrl+O): a typed path completed by Tab, what it holds, the
import of real records with its progress, Esc during an import, and paths that cannot be read."""

from __future__ import annotations

import io
import os
import threading

import pytest
from rich.console import Console
from textual.widgets import Input, Static

from pilot_helpers import SIZE, list_ready, text_of, wait_for
from trialtui import file_import
from trialtui.store import Database, Library
from trialtui.tui.app import build_app
from trialtui.tui.dialogs.import_dialog import ImportDialog
from trialtui.tui.screens.browse import BrowseScreen

KEYS = {"/": "slash", ".": "full_stop", "-": "minus", "_": "underscore", " ": "space"}


async def type_path(pilot, text: str) -> None:
    await pilot.press(*[KEYS.get(c, c) for c in text])


async def open_dialog(pilot) -> ImportDialog:
    await list_ready(pilot)
    await pilot.press("ctrl+o")
    assert isinstance(pilot.app.screen, ImportDialog)
    return pilot.app.screen


def rendered(widget: Static) -> str:
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def status(dialog) -> str:
    return text_of(dialog.query_one("#import-status", Static))


async def test_a_typed_path_completes_with_tab_and_enter_imports_every_study(shared_data, api_trials, monkeypatch):
    monkeypatch.setattr(file_import, "BATCH", 300)  # several batches: progress is told between them
    said: list[str] = []
    shown = ImportDialog._status
    monkeypatch.setattr(ImportDialog, "_status", lambda self, text: (said.append(text), shown(self, text)))
    folder = shared_data / "ctgov-v2"
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, trials = await list_ready(pilot)
        before = len(trials.rows)
        dialog = await open_dialog(pilot)
        path = dialog.query_one("#import-path", Input)
        await type_path(pilot, f"{folder}/stu")
        await wait_for(pilot, lambda: path._suggestion == f"{folder}/studies.v2.jsonl.gz", "the completion")
        await pilot.press("tab")
        assert path.value == f"{folder}/studies.v2.jsonl.gz" and path.has_focus
        summary = dialog.query_one("#import-summary", Static)
        await wait_for(pilot, lambda: text_of(summary).startswith("File:"), "the preview")
        assert text_of(summary) == "File: 1 file, 3.4 MB"
        assert rendered(dialog.query_one("#import-entries", Static)).split() == [
            "studies.v2.jsonl.gz", "3.4", "MB", "gzip", "of", "JSON"]

        await pilot.press("enter")
        await wait_for(pilot, lambda: status(dialog).startswith(("Imported", "Import ", "Nothing")), "the import",
                       timeout=120)
        assert status(dialog) == f"Imported {len(api_trials):,} trials: {len(api_trials):,} new, 0 updated, 0 unchanged."
        steps = [line for line in said if line.startswith("Importing… ")]
        assert steps and "studies read" in steps[-1] and " new, 0 updated" in steps[-1], said

        await pilot.press("escape")
        assert isinstance(app.screen, BrowseScreen)
        await wait_for(pilot, lambda: len(trials.rows) == before + len(api_trials), "the list to grow", timeout=60)
        await wait_for(pilot, lambda: app.session.searchable, "the index", timeout=60)
        wanted = api_trials[500]
        screen.query_one("#search", Input).value = wanted.title
        await wait_for(pilot, lambda: wanted.trial_id in [row.digest.trial_id for row in trials.rows[:5]],
                       "the imported trial to be found by its title")
    with Database.open() as db:
        assert Library(db).count() == len(api_trials)


async def test_esc_during_an_import_keeps_the_batches_stored_and_nothing_half_stored(shared_data, monkeypatch):
    monkeypatch.setattr(file_import, "BATCH", 100)
    stored_one, go_on = threading.Event(), threading.Event()
    original = Library.import_trials

    def held(self, trials, origin="import"):
        report = original(self, trials, origin)
        stored_one.set()
        go_on.wait(30)
        return report

    monkeypatch.setattr(Library, "import_trials", held)
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        screen, trials = await list_ready(pilot)
        before = len(trials.rows)
        dialog = await open_dialog(pilot)
        dialog.query_one("#import-path", Input).value = str(shared_data / "ctgov-v2" / "studies.v2.jsonl.gz")
        await pilot.press("enter")
        await wait_for(pilot, stored_one.is_set, "the first batch")
        await pilot.press("escape")
        assert isinstance(app.screen, ImportDialog) and status(dialog).startswith("Stopping…")
        go_on.set()
        await wait_for(pilot, lambda: status(dialog).startswith("Import cancelled"), "the import to stop")
        assert status(dialog) == ("Import cancelled: 100 trials stored (100 new, 0 updated, 0 unchanged); "
                                  "importing the same path again adds the rest.")
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(trials.rows) == before + 100, "the list to show the stored trials")
    with Database.open() as db:
        library = Library(db)
        assert library.count() == 100
        assert db.query("PRAGMA quick_check") == [("ok",)]
        assert db.query("SELECT COUNT(*) FROM trial_versions")[0][0] == 100
        assert all(library.get(d.trial_id) is not None for d in library.digests())


async def test_unreadable_paths_say_why_in_one_line_and_nothing_hangs(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"protocolSection": {"identificationModule": ')
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        path = dialog.query_one("#import-path", Input)
        summary = dialog.query_one("#import-summary", Static)

        path.value = str(tmp_path / "missing.json")
        await pilot.press("enter")
        assert status(dialog) == f"{tmp_path / 'missing.json'}: no such file or folder"

        path.value = str(pipe)
        await wait_for(pilot, lambda: "named pipe" in text_of(summary), "the preview of the pipe")
        await pilot.press("enter")
        assert status(dialog) == f"{pipe}: a named pipe (FIFO): the app imports files and folders only"

        path.value = str(tmp_path)  # the folder: the pipe in it is skipped, the broken file said
        await wait_for(pilot, lambda: text_of(summary).startswith("Folder: 2 files"), "the folder's preview")
        await pilot.press("enter")
        await wait_for(pilot, lambda: status(dialog).startswith("Nothing imported"), "the import")
        assert status(dialog) == "Nothing imported: no trial record could be read; 2 problems."
        problems = text_of(dialog.query_one("#import-entries", Static)).splitlines()
        assert problems[0].startswith(f"trialtui: {broken}: ") and len(problems) == 2
        assert problems[1] == f"trialtui: {pipe}: a named pipe (FIFO), not a file: skipped"
        await pilot.press("escape")
        assert isinstance(app.screen, BrowseScreen)


@pytest.mark.parametrize("typed, completed", [("~", "~/"), ("no-such-thing/x", None)])
def test_completion_keeps_what_was_typed(typed, completed):
    from trialtui.ingest.preview import complete_path

    assert complete_path(typed) == completed


async def test_an_import_into_a_large_library_ends_by_making_the_base_the_patient_check_reads(
        shared_data, monkeypatch):
    from trialtui import patient_verdicts
    from trialtui.store.check_base import CheckRead

    monkeypatch.setattr(patient_verdicts, "BASE_AT_IMPORT_FROM", 500)  # a large library, in small
    said: list[str] = []
    shown = ImportDialog._status
    monkeypatch.setattr(ImportDialog, "_status", lambda self, text: (said.append(text), shown(self, text)))
    app = build_app()
    async with app.run_test(size=SIZE) as pilot:
        dialog = await open_dialog(pilot)
        dialog.query_one("#import-path", Input).value = str(shared_data / "ctgov-v2" / "bulk-download-urology.zip")
        await pilot.press("enter")
        await wait_for(pilot, lambda: status(dialog).startswith("Imported"), "the import", timeout=120)
        assert "Stored. Preparing the patient check over the library…" in said
        assert said.index("Stored. Preparing the patient check over the library…") < len(said) - 1
    with Database.open() as db, CheckRead(db) as read:
        base = read.base()
        assert base is not None and len(base.ids) == Library(db).count() >= 565
