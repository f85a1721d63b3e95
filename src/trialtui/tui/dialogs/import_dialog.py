"""The import dialog: a path with completion, what it holds, then the import with its progress.

While a path is typed, a worker lists what it holds (names, sizes, the format each is read as:
`preview_path`), so what Enter will read is seen first. The import runs on a worker thread through
`import_files`, the function `trialtui import` runs, reporting by message; Esc while it runs stops
it (every batch stored stays, each one transaction) and leaving the dialog or quitting the app
does too. An import that stored trials ends as `trialtui import` does, making the base the patient
check reads in a large library (`make_base`), so the first check after it is as quick as any.
When it ends, the list under the path holds the problem lines met, if any.
"""

from __future__ import annotations

import asyncio
import os
import stat
import threading
from dataclasses import dataclass

from rich.table import Table
from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Button, Input, Static
from textual.worker import get_current_worker

from trialtui.file_import import FileImport, ImportProgress, import_files
from trialtui.ingest.loader import not_a_file
from trialtui.ingest.preview import PathPreview, complete_path, expand, preview_path, size_words
from trialtui.sections import counted
from trialtui.store import Library
from trialtui.tui.text import plain


class PathSuggester(Suggester):
    """Completes a path from the file system (listed off the UI thread: a slow disk never stalls it)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return await asyncio.to_thread(complete_path, value)


class PathInput(Input):
    """An Input whose Tab accepts the completion shown (and moves on when there is none)."""

    BINDINGS = [Binding("tab", "accept_completion", "Complete the path", show=False, id="import.complete")]

    def action_accept_completion(self) -> None:
        if not (self.cursor_at_end and self._suggestion and self._suggestion != self.value):
            raise SkipAction()
        self.action_cursor_right()


def import_summary(result: FileImport) -> str:
    """One sentence on how an import ended, for the dialog and the notification."""
    counts = (f"{result.added:,} new, {result.updated:,} updated, {result.unchanged:,} unchanged"
              + (f", {result.older:,} older than the library's (not stored)" if result.older else ""))
    problems = f"; {counted(len(result.problems), 'problem')}" if result.problems else ""
    if result.error:
        return f"Import stopped: {result.error}. Stored before it: {counts}."
    if result.cancelled:
        if not result.stored:
            return "Import cancelled before the first batch was stored: nothing was stored."
        return (f"Import cancelled: {counted(result.stored, 'trial')} stored ({counts}){problems}; "
                "importing the same path again adds the rest.")
    if not result.stored:
        return f"Nothing imported: no trial record could be read{problems}."
    return f"Imported {counted(result.stored, 'trial')}: {counts}{problems}."


def progress_line(progress: ImportProgress) -> str:
    problems = f", {counted(progress.problems, 'problem')}" if progress.problems else ""
    unchanged = f", {progress.unchanged:,} unchanged" if progress.unchanged else ""
    return (f"Importing… {counted(progress.read, 'study', 'studies')} read, {progress.added:,} new, "
            f"{progress.updated:,} updated{unchanged}{problems}")


def preview_table(preview: PathPreview) -> Table:
    table = Table(box=None, show_header=False, pad_edge=False, expand=True)
    table.add_column("File", ratio=1, overflow="ellipsis", no_wrap=True)
    table.add_column("Size", justify="right", no_wrap=True)
    table.add_column("Read as", no_wrap=True, overflow="ellipsis")
    for entry in preview.entries:
        table.add_row(plain(entry.name or "(this folder)"), size_words(entry.size), plain(entry.what))
    return table


def preview_line(preview: PathPreview) -> str:
    if preview.problem:
        return preview.problem
    files = f"more than {counted(preview.files, 'file')}" if preview.more else counted(preview.files, "file")
    shown = (f"; the first {len(preview.entries):,} listed"
             if preview.folder and len(preview.entries) < preview.files else "")
    return f"{'Folder' if preview.folder else 'File'}: {files}, {size_words(preview.total_bytes)}{shown}"


class ImportDialog(ModalScreen[FileImport | None]):
    """Type a file or folder (Tab completes), see what it holds, Enter imports it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel / close", id="import.cancel")]

    @dataclass
    class Previewed(Message):
        typed: str
        preview: PathPreview

    @dataclass
    class Progressed(Message):
        progress: ImportProgress

    class Preparing(Message):
        """The trials are stored; the base of the patient check is being made."""

    @dataclass
    class Finished(Message):
        result: FileImport

    def __init__(self, library: Library) -> None:
        super().__init__()
        self.library = library
        self._cancel = threading.Event()
        self._result: FileImport | None = None
        self._importing = False

    def compose(self) -> ComposeResult:
        with Vertical(id="import-dialog", classes="dialog"):
            yield Static("Import trial records into your library", id="import-title", classes="dialog-title")
            yield PathInput(placeholder="a file or folder: ~/Downloads/ctg-studies.json.zip", id="import-path",
                            suggester=PathSuggester())
            yield Static("Tab completes the path. JSON, JSON Lines, XML, saved pages; zip, tar and gzip too.",
                         id="import-summary", markup=False)
            with VerticalScroll(id="import-list"):
                yield Static(id="import-entries")
            yield Static("Each batch of trials is stored as it is read; Esc stops and keeps them.",
                         id="import-status", classes="dialog-status", markup=False)
            with Horizontal(id="import-buttons", classes="dialog-buttons"):
                yield Button("Import", id="import-start", variant="primary")
                yield Button("Close", id="import-close")

    def on_mount(self) -> None:
        self.query_one(PathInput).focus()

    @on(Input.Changed, "#import-path")
    def _path_changed(self, event: Input.Changed) -> None:
        if not self._importing:
            self._preview(event.value)

    @work(thread=True, exclusive=True, group="import-preview")
    def _preview(self, typed: str) -> None:
        """What the path holds; a newer path typed stops the walk."""
        if not typed.strip():
            self.post_message(self.Previewed(typed, PathPreview()))
            return
        worker = get_current_worker()
        preview = preview_path(typed, stop=lambda: worker.is_cancelled)
        if not worker.is_cancelled:
            self.post_message(self.Previewed(typed, preview))

    def on_import_dialog_previewed(self, message: Previewed) -> None:
        if self._importing or message.typed != self.query_one(PathInput).value:
            return
        shown = message.typed.strip()
        self.query_one("#import-summary", Static).update(plain(preview_line(message.preview)) if shown else "")
        self.query_one("#import-entries", Static).update(preview_table(message.preview))

    @on(Input.Submitted, "#import-path")
    @on(Button.Pressed, "#import-start")
    def start(self) -> None:
        if self._importing:
            return
        typed = self.query_one(PathInput).value.strip()
        if not typed:
            self._status("Type the path of a file or folder to import.")
            return
        path = expand(typed)
        try:
            mode = os.stat(path).st_mode
        except OSError as error:
            reason = "no such file or folder" if isinstance(error, FileNotFoundError) else error.strerror or str(error)
            self._status(f"{typed}: {reason}")
            return
        if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):
            self._status(f"{typed}: {not_a_file(mode)}: the app imports files and folders only")
            return
        self._importing = True
        self._cancel.clear()
        self.query_one("#import-start", Button).disabled = True
        self._status(f"Importing {typed}…")
        self._import(path)

    @work(thread=True, exclusive=True, group="import")
    def _import(self, path) -> None:
        result = import_files([path], self.library, cancel=self._cancel,
                              progress=lambda p: self.post_message(self.Progressed(p)))
        if (result.added or result.updated) and not result.error and not self._cancel.is_set():
            from trialtui.patient_verdicts import make_base  # the check's modules, read when needed

            self.post_message(self.Preparing())
            make_base(self.library.db)
        self.post_message(self.Finished(result))

    def on_import_dialog_progressed(self, message: Progressed) -> None:
        if self._importing and not self._cancel.is_set():
            self._status(progress_line(message.progress))

    def on_import_dialog_preparing(self, _message: Preparing) -> None:
        if self._importing and not self._cancel.is_set():
            self._status("Stored. Preparing the patient check over the library…")

    def on_import_dialog_finished(self, message: Finished) -> None:
        result = self._result = message.result
        self._importing = False
        self.query_one("#import-start", Button).disabled = False
        self._status(import_summary(result))
        if result.problems:
            self.query_one("#import-summary", Static).update(plain(f"{counted(len(result.problems), 'problem')} met:"))
            self.query_one("#import-entries", Static).update(plain("\n".join(p.line() for p in result.problems)))

    @on(Button.Pressed, "#import-close")
    def action_cancel(self) -> None:
        if self._importing:
            self._cancel.set()
            self._status("Stopping… every batch already stored stays.")
            return
        self.dismiss(self._result)

    def on_unmount(self) -> None:
        """Quitting the app with an import under way stops it at the next record."""
        self._cancel.set()

    def _status(self, text: str) -> None:
        self.query_one("#import-status", Static).update(plain(text))
