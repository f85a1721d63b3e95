"""A short note on one criterion or threshold ("site says transfusion within 7 days is fine")."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from trialtui.tui.text import plain


class ItemNoteDialog(ModalScreen[str | None]):
    """Enter stores the note; Esc leaves it as it was."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="item_note.cancel")]

    def __init__(self, about: str, note: str) -> None:
        super().__init__()
        self.about = about
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="item-note-dialog", classes="dialog"):
            yield Static(plain(self.about), id="item-note-about", classes="dialog-title")
            yield Input(self.note, placeholder="a short note, Enter saves", id="item-note")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _save(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())
