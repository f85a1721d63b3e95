"""The note editor: a multi-line note on a trial, saved as you type (no save step).

Every pause in typing stores the note in its own transaction, so a crash loses at most the last
few keystrokes; closing stores whatever is left. Each save says which note the editor last saw, so
a note written elsewhere meanwhile (another window, ``trialtui annotate``) is never written over:
both texts are kept and the reviewer is told. A note changed elsewhere while nothing here is
waiting to be saved is simply shown (`show_stored`).

A note may hold control characters (an imported annotations file can carry any): the editor shows
them as `visible` stand-ins (␛, ``\u202e``) and says so. The stored note stays exactly as it is
until the reviewer edits it; an edit stores the text as shown, stand-ins included.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Static, TextArea

from trialtui.tui.app import ChangedElsewhere
from trialtui.tui.text import plain, visible

SAVE_AFTER_IDLE = 0.4
"""Seconds of no typing after which the note is stored."""


class NoteEditor(ModalScreen[None]):
    """Edit the note of one trial; Esc closes (the note is already stored)."""

    BINDINGS = [Binding("escape", "close", "Close (saved)", id="note.close", priority=True)]

    def __init__(self, trial_id: str, title: str, note: str,
                 save: Callable[[str, str], tuple[str, bool]]) -> None:
        """`save(text, seen)` stores the text given the note this editor last saw (the session's
        `set_note` for this trial); it returns the note as stored and whether another window
        had changed it meanwhile."""
        super().__init__()
        self.trial_id = trial_id
        self.title = title
        self.note = note
        self.store_note = save
        self._saved = note
        """The stored note as this editor last saw it."""
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog", classes="dialog"):
            yield Static(plain(f"Note on {self.trial_id}  {self.title}"), id="note-title", classes="dialog-title")
            yield TextArea(visible(self.note), id="note-text", soft_wrap=True, tab_behavior="indent")
            yield Static(self._opening_status(), id="note-status", classes="dialog-status", markup=False)

    def _opening_status(self) -> str:
        if visible(self.note) == self.note:
            return "Saved as you type. Esc closes."
        return ("This note holds control characters, shown as ␛, \\u202e and the like; "
                "it is stored as it is unless you edit it, then as shown. Esc closes.")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.text == visible(self._saved):
            return  # the stored note shown (loaded, or merged after a save): nothing to store
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SAVE_AFTER_IDLE, self._save)
        self._status("Typing…")

    def _save(self) -> None:
        area = self.query_one(TextArea)
        text = area.text
        if text == visible(self._saved):
            return
        stored, elsewhere = self.store_note(text, self._saved)
        self._saved = stored
        if stored != text:
            self._load(stored)
        if elsewhere:
            kept = "both texts are kept, theirs first" if stored != text else "your text is kept"
            self.notify(f"The note on {self.trial_id} was changed elsewhere while you typed: {kept}.",
                        severity="warning", timeout=10, markup=False)
            self._status(f"Changed elsewhere meanwhile: {kept}. Esc closes.")
        else:
            self._status("Saved. Esc closes.")

    def show_stored(self, note: str) -> None:
        """The stored note changed elsewhere: show it, unless typing here waits to be saved
        (that save keeps both texts)."""
        area = self.query_one(TextArea)
        if note != self._saved and area.text == visible(self._saved):
            self._saved = note
            self._load(note)
            self._status("Updated from another window. Esc closes.")

    def on_changed_elsewhere(self, message: ChangedElsewhere) -> None:
        if self.trial_id in message.trial_ids:
            self.show_stored(self.app.session.review(self.trial_id).note)

    def _load(self, text: str) -> None:
        area = self.query_one(TextArea)
        area.load_text(visible(text))
        area.move_cursor(area.document.end)

    def _status(self, text: str) -> None:
        self.query_one("#note-status", Static).update(text)

    def action_close(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._save()
        self.dismiss(None)
