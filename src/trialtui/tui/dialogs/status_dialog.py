"""The review status of a trial: unreviewed, shortlisted, excluded (with a reason), contacted,
enrolled. Choosing one stores it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from trialtui.review import STATUS_GLYPHS, STATUS_WORDS, STATUSES
from trialtui.tui.text import plain


class StatusDialog(ModalScreen[tuple[str, str] | None]):
    """Pick a status with the arrows and Enter (or its number); excluded asks why."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="status.cancel"),
        *(Binding(str(n), f"choose({n - 1})", STATUS_WORDS[s], show=False, id=f"status.{s}")
          for n, s in enumerate(STATUSES, 1)),
    ]

    def __init__(self, trial_id: str, status: str, reason: str) -> None:
        super().__init__()
        self.trial_id = trial_id
        self.status = status
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(id="status-dialog", classes="dialog"):
            yield Static(plain(f"Review status of {self.trial_id}"), id="status-title", classes="dialog-title")
            yield OptionList(*(Option(f"{n}  {STATUS_GLYPHS[s] or ' '} {STATUS_WORDS[s]}", id=s)
                               for n, s in enumerate(STATUSES, 1)), id="status-options")
            yield Input(self.reason, placeholder="why excluded (Enter saves)", id="status-reason")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = STATUSES.index(self.status) if self.status in STATUSES else 0
        options.focus()
        self.query_one("#status-reason", Input).display = False

    def action_choose(self, index: int) -> None:
        self._chosen(STATUSES[index])

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._chosen(str(event.option.id))

    def _chosen(self, status: str) -> None:
        if status != "excluded":
            self.dismiss((status, ""))
            return
        reason = self.query_one("#status-reason", Input)
        reason.display = True
        reason.focus()

    @on(Input.Submitted, "#status-reason")
    def _reason(self, event: Input.Submitted) -> None:
        self.dismiss(("excluded", event.value.strip()))
