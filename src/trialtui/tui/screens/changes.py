"""The changes view: library trials with a version newer than the one last reviewed, and what moved.

Thresholds first ("platelets ≥ 100 → ≥ 50 ×10^9/L (looser)"), then status, sites and dates.
`r` marks a trial reviewed (it leaves the list); `u` re-fetches the whole library in a worker.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from trialtui.fetch import ChangedTrial, UpdateProgress, UpdateResult, unreviewed_changes, update_library
from trialtui.fetch.last_search import remembered_server
from trialtui.tui.text import plain


def change_text(changed: ChangedTrial) -> str:
    """The change lines of one trial under a heading naming the versions compared."""
    since = "since your review" if changed.since_review else "since the previous version"
    lines = [f"{changed.trial_id}  {changed.title}", f"Version {changed.from_version} → {changed.to_version} ({since})", ""]
    lines += [f"• {line}" for line in changed.changes.lines] or ["No differences in the fields trialtui compares."]
    return "\n".join(lines)


class ChangesScreen(Screen[str | None]):
    """Trials that changed since last reviewed; Enter opens one in the list."""

    BINDINGS = [
        Binding("escape", "close", "Back", id="changes.back"),
        Binding("r", "mark_reviewed", "Mark reviewed", id="changes.mark_reviewed"),
        Binding("u", "update", "Update library", id="changes.update"),
    ]

    @dataclass
    class UpdateProgressed(Message):
        progress: UpdateProgress

    @dataclass
    class UpdateFinished(Message):
        result: UpdateResult

    def __init__(self) -> None:
        super().__init__()
        self._changed: list[ChangedTrial] = []
        self._cancel = threading.Event()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="changes-status", markup=False)
        with Horizontal(id="changes"):
            yield OptionList(id="changed-trials")
            with VerticalScroll(id="change-detail"):
                yield Static(id="change-lines", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_changes()
        self.query_one(OptionList).focus()

    def refresh_changes(self) -> None:
        self._changed = unreviewed_changes(self.app.session.library)
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(
            Option(plain(f"{c.trial_id}  {c.title}"), id=c.trial_id) for c in self._changed
        )
        count = len(self._changed)
        self._status(
            f"{count} trial{'s' if count != 1 else ''} changed since you last reviewed them. "
            "Enter opens one, r marks it reviewed, u re-fetches the library."
            if count else "Nothing changed since your last review. Press u to check the registry for updates."
        )
        if self._changed:
            options.highlighted = 0
            self._show(self._changed[0])
        else:
            self.query_one("#change-lines", Static).update("")

    def _show(self, changed: ChangedTrial) -> None:
        self.query_one("#change-lines", Static).update(plain(change_text(changed)))

    def _highlighted(self) -> ChangedTrial | None:
        index = self.query_one(OptionList).highlighted
        return self._changed[index] if index is not None and index < len(self._changed) else None

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        changed = self._highlighted()
        if changed:
            self._show(changed)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_mark_reviewed(self) -> None:
        changed = self._highlighted()
        if changed:
            self.app.session.library.mark_reviewed(changed.trial_id)
            self.notify(f"{changed.trial_id} marked reviewed at version {changed.to_version}", timeout=3)
            self.refresh_changes()

    def action_update(self) -> None:
        self._status("Checking the registry for newer versions of your library's trials…")
        self._update(remembered_server(self.app.session.db))

    @work(thread=True, exclusive=True, group="update")
    def _update(self, base_url: str | None) -> None:
        result = update_library(
            self.app.session.library, base_url=base_url, cancel=self._cancel,
            progress=lambda p: self.post_message(self.UpdateProgressed(p)),
        )
        self.post_message(self.UpdateFinished(result))

    def on_changes_screen_update_progressed(self, message: UpdateProgressed) -> None:
        p = message.progress
        waiting = f" — waiting: {p.retrying.reason}" if p.retrying else ""
        self._status(f"Checked {p.checked:,} of {p.total:,} trials, {p.updated:,} updated{waiting}")

    def on_changes_screen_update_finished(self, message: UpdateFinished) -> None:
        result = message.result
        self.refresh_changes()
        if result.error:
            self.notify(f"Update stopped: {result.error}", severity="error", timeout=8)
        else:
            self.notify(f"Checked {result.checked:,} trials: {result.updated:,} have a new version.", timeout=5)

    def action_close(self) -> None:
        self._cancel.set()
        self.dismiss(None)

    def _status(self, text: str) -> None:
        self.query_one("#changes-status", Static).update(plain(text))
