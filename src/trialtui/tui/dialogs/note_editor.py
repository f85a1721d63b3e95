"""The note editor: a multi-line note on a trial, saved as you type (no save step).

Every pause in typing stores the note in its own transaction, so a crash loses at most the last
few keystrokes; closing stores whatever is left.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Static, TextArea

from trialtui.tui.text import plain

SAVE_AFTER_IDLE = 0.4
"""Seconds of no typing after which the note is stored."""


class NoteEditor(ModalScreen[None]):
    """Edit the note of one trial; Esc closes (the note is already stored)."""

    BINDINGS = [Binding("escape", "close", "Close (saved)", id="note.close", priority=True)]

    def __init__(self, trial_id: str, title: str, note: str, save: Callable[[str], None]) -> None:
        """`save` stores the text (the session's `set_note` for this trial)."""
        super().__init__()
        self.trial_id = trial_id
        self.title = title
        self.note = note
        self.store_note = save
        self._saved = note
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog", classes="dialog"):
            yield Static(plain(f"Note on {self.trial_id}  {self.title}"), id="note-title", classes="dialog-title")
            yield TextArea(self.note, id="note-text", soft_wrap=True, tab_behavior="indent")
            yield Static("Saved as you type. Esc closes.", id="note-status", classes="dialog-status", markup=False)

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SAVE_AFTER_IDLE, self._save)
        self.query_one("#note-status", Static).update("Typing…")

    def _save(self) -> None:
        text = self.query_one(TextArea).text
        if text != self._saved:
            self.store_note(text)
            self._saved = text
        self.query_one("#note-status", Static).update("Saved. Esc closes.")

    def action_close(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._save()
        self.dismiss(None)
