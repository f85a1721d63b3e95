"""A yes-or-no question before something that cannot be taken back (replacing a file)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from trialtui.tui.text import plain


class ConfirmDialog(ModalScreen[bool]):
    """y answers yes; n or Esc answers no."""

    BINDINGS = [
        Binding("y", "dismiss(True)", "Yes", id="confirm.yes"),
        Binding("n", "dismiss(False)", "No", id="confirm.no"),
        Binding("escape", "dismiss(False)", "No", show=False, id="confirm.cancel"),
    ]

    def __init__(self, question: str, detail: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(plain(self.question), id="confirm-question", classes="dialog-title")
            if self.detail:
                yield Static(plain(self.detail), id="confirm-detail", markup=False)
