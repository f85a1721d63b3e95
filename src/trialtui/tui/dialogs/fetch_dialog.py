"""The fetch dialog: search ClinicalTrials.gov by its own fields and store every page locally.

The download runs on a worker thread (`fetch_to_library`), reporting by message; Esc while it
runs stops it at once (every page already stored stays), and the same search later resumes where
it stopped. Leaving the dialog, or quitting the app, cancels a fetch under way, so no request
outlives the screen. The fields are kept (`last_search`), so the dialog opens as it was left and
the changes view's update asks the same server.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Static

from trialtui.fetch import FetchProgress, FetchResult, QueryError, StudyQuery, fetch_to_library, resolve_base_url
from trialtui.fetch.client import BaseUrlError, check_base_url
from trialtui.fetch.last_search import SERVER, load_fetch_form, save_fetch_form
from trialtui.store import Library
from trialtui.tui.text import plain

FIELDS = (
    ("cond", "Condition", "neuroblastoma"),
    ("term", "Other terms", "GD2"),
    ("intr", "Intervention", "dinutuximab"),
    ("locn", "Location", "Guangzhou"),
    ("spons", "Sponsor", "Children's Oncology Group"),
    ("statuses", "Status", "recruiting, not yet recruiting"),
    ("phases", "Phase", "phase 1, phase 2"),
    ("nct_ids", "NCT IDs", "NCT06751134 NCT06674265"),
)


def _count(number: int, one: str, many: str) -> str:
    return f"{number:,} {one if number == 1 else many}"


def fetch_summary(result: FetchResult) -> str:
    """One sentence on how a fetch ended, for the dialog and the notification."""
    counts = f"{result.added:,} added, {result.updated:,} updated, {result.unchanged:,} unchanged"
    if result.runaway:
        return f"Fetch stopped: {result.error}. Kept what was stored: {counts}."
    if result.error:
        return f"Fetch stopped: {result.error}. {counts}; run it again to resume."
    if result.cancelled and not result.pages:
        return "Fetch cancelled before the first page arrived; nothing was stored."
    if result.cancelled:
        return (f"Fetch cancelled after {_count(result.pages, 'page', 'pages')}, "
                f"{_count(result.studies, 'trial', 'trials')} stored ({counts}); "
                "the same search resumes.")
    skipped = f", {len(result.skipped)} skipped" if result.skipped else ""
    return f"Fetched {result.studies:,} studies in {result.pages} pages: {counts}{skipped}."


class FetchDialog(ModalScreen[FetchResult | None]):
    """Fill in any of the registry's search fields, then Enter to fetch."""

    BINDINGS = [Binding("escape", "cancel", "Cancel / close", id="fetch.cancel")]

    @dataclass
    class Progressed(Message):
        progress: FetchProgress

    @dataclass
    class Finished(Message):
        result: FetchResult

    def __init__(self, library: Library) -> None:
        super().__init__()
        self.library = library
        self._cancel = threading.Event()
        self._result: FetchResult | None = None
        self._fetching = False
        self._form = load_fetch_form(library.db)

    def compose(self) -> ComposeResult:
        with Vertical(id="fetch-dialog", classes="dialog"):
            yield Static("Fetch trials from ClinicalTrials.gov", id="fetch-title", classes="dialog-title")
            with Grid(id="fetch-fields", classes="form"):
                for key, label, example in FIELDS:
                    yield Label(label)
                    yield Input(self._form.get(key, ""), placeholder=f"e.g. {example}", id=f"fetch-{key}")
                yield Label("Server")
                yield Input(self._form.get(SERVER) or resolve_base_url(None), id="fetch-base-url")
            yield ProgressBar(id="fetch-progress", show_eta=False)
            yield Static("Every page is stored as it arrives; Esc stops at once and keeps them.",
                         id="fetch-status", classes="dialog-status", markup=False)
            with Horizontal(id="fetch-buttons", classes="dialog-buttons"):
                yield Button("Fetch", id="fetch-start", variant="primary")
                yield Button("Close", id="fetch-close")

    def on_mount(self) -> None:
        self.query_one(ProgressBar).display = False
        self.query_one("#fetch-cond", Input).focus()

    def _fields(self) -> dict[str, str]:
        """What the form holds, by field name, the server under `SERVER`."""
        fields = {key: self.query_one(f"#fetch-{key}", Input).value for key, _, _ in FIELDS}
        return fields | {SERVER: self.query_one("#fetch-base-url", Input).value.strip()}

    def _remember(self) -> None:
        save_fetch_form(self.library.db, self._fields())

    def _query(self) -> StudyQuery:
        values = self._fields()
        values.pop(SERVER)
        lists = {key: tuple(values.pop(key).replace(",", " ").split()) for key in ("nct_ids",)}
        lists |= {key: tuple(v.strip() for v in values.pop(key).split(",") if v.strip()) for key in ("statuses", "phases")}
        return StudyQuery.build(**values, **lists)

    @on(Input.Submitted)
    @on(Button.Pressed, "#fetch-start")
    def start(self) -> None:
        if self._fetching:
            return
        try:
            query = self._query()
        except QueryError as err:
            self._status(str(err))
            return
        if query.is_empty:
            self._status("Fill in at least one field: fetching the whole registry takes hours.")
            return
        try:
            base_url = check_base_url(self._fields()[SERVER] or resolve_base_url(None))
        except BaseUrlError as err:
            self._status(f"Server: {err}")
            return
        self._remember()
        self._fetching = True
        self._cancel.clear()
        self.query_one(ProgressBar).display = True
        self.query_one("#fetch-start", Button).disabled = True
        self._status(f"Fetching {query.describe()}…")
        self._fetch(query, base_url)

    @work(thread=True, exclusive=True, group="fetch")
    def _fetch(self, query: StudyQuery, base_url: str) -> None:
        result = fetch_to_library(
            query, self.library, base_url=base_url, cancel=self._cancel,
            progress=lambda p: self.post_message(self.Progressed(p)),
        )
        self.post_message(self.Finished(result))

    def on_fetch_dialog_progressed(self, message: Progressed) -> None:
        p = message.progress
        bar = self.query_one(ProgressBar)
        bar.update(total=p.total_count, progress=p.studies)
        of_total = f" of {p.total_count:,}" if p.total_count is not None else ""
        waiting = f" — waiting: {p.retrying.reason}" if p.retrying else ""
        self._status(f"Page {p.pages}: {p.studies:,}{of_total} studies, {p.added:,} new, {p.rate:,.0f}/s{waiting}")

    def on_fetch_dialog_finished(self, message: Finished) -> None:
        self._fetching = False
        self._result = message.result
        self.query_one("#fetch-start", Button).disabled = False
        self._status(fetch_summary(message.result))

    @on(Button.Pressed, "#fetch-close")
    def action_cancel(self) -> None:
        if self._fetching:
            self._cancel.set()
            self._status("Stopping…")
            return
        self._remember()
        self.dismiss(self._result)

    def on_unmount(self) -> None:
        """Quitting the app with a fetch under way stops it, so no request keeps the process alive."""
        self._cancel.set()

    def _status(self, text: str) -> None:
        self.query_one("#fetch-status", Static).update(plain(text))
