"""The changes view: library trials with a version newer than the one the reviewer last saw, and
what moved, in the lines `trialtui update` prints (`ChangedTrial.heading` and `.lines`).

The version last seen is the one current when the reviewer last annotated the trial or marked its
changes seen; for a trial never reviewed, the one before its latest update. `r` marks the
highlighted trial's changes seen (it leaves the list, and its Δ badge goes); `u` re-fetches the
whole library in a worker.
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
from trialtui.store import StoreError
from trialtui.tui.app import ChangedElsewhere
from trialtui.tui.text import plain


def change_text(changed: ChangedTrial) -> str:
    """One trial's changes as `trialtui update` prints them: title, versions compared, lines."""
    return "\n".join([f"{changed.trial_id}  {changed.title}", changed.heading, "",
                      *(f"• {line}" for line in changed.lines)])


class ChangesScreen(Screen[str | None]):
    """Trials changed since the reviewer last saw them; Enter opens one in the list."""

    BINDINGS = [
        Binding("escape", "close", "Back", id="changes.back"),
        Binding("r", "mark_seen", "Seen: clear from list", id="changes.mark_seen"),
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
        """List the changed trials again, the cursor kept where it was."""
        options = self.query_one(OptionList)
        at = options.highlighted or 0
        self._changed = unreviewed_changes(self.app.session.library)
        self.app.session.changed = {changed.trial_id for changed in self._changed}
        options.clear_options()
        options.add_options(
            Option(plain(f"{c.trial_id}  {c.title}"), id=c.trial_id) for c in self._changed
        )
        count = len(self._changed)
        self._status(
            f"{count:,} trial{'s' if count != 1 else ''} changed since you last saw "
            f"{'them' if count != 1 else 'it'}. r: seen (clears it), Enter: open in the list, "
            "u: check the registry."
            if count else "Nothing changed since you last saw your trials. Press u to check the registry for updates."
        )
        if self._changed:
            options.highlighted = min(at, count - 1)
            self._show(self._changed[options.highlighted])
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

    def action_mark_seen(self) -> None:
        changed = self._highlighted()
        if changed:
            try:
                self.app.session.mark_seen(changed.trial_id)
            except StoreError as error:  # a read-only or damaged library
                self.notify(str(error), title="Not marked seen", severity="error", timeout=10, markup=False)
                return
            self.notify(f"{changed.trial_id}: changes up to version {changed.to_version} seen", timeout=3,
                        markup=False)
            self.refresh_changes()

    def on_changed_elsewhere(self, message: ChangedElsewhere) -> None:
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
            self.notify(f"Update stopped: {result.error}", severity="error", timeout=8, markup=False)
        else:
            self.notify(f"Checked {result.checked:,} trials: {result.updated:,} have a new version.", timeout=5)

    def action_close(self) -> None:
        self._cancel.set()
        self.dismiss(None)

    def on_unmount(self) -> None:
        """Quitting from here stops an update under way too, at once."""
        self._cancel.set()

    def _status(self, text: str) -> None:
        self.query_one("#changes-status", Static).update(plain(text))
