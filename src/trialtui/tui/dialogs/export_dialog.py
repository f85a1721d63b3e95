"""Write a report to a file the user chooses: the list as CSV, a trial or a comparison as Markdown."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from trialtui.reports import write_report
from trialtui.tui.text import plain


class ExportDialog(ModalScreen[Path | None]):
    """Edit the file name, Enter writes it; an existing file is replaced only once the user says so."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="export.cancel")]

    def __init__(self, what: str, default: Path, render: Callable[[], str]) -> None:
        """`render` makes the report's text when the user confirms."""
        super().__init__()
        self.what = what
        self.default = default
        self.make_report = render

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog", classes="dialog"):
            yield Static(plain(f"Export {self.what} to:"), id="export-title", classes="dialog-title")
            yield Input(str(self.default), id="export-path")
            yield Static("Enter writes the file. Esc cancels.", id="export-status", classes="dialog-status", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _chosen(self, event: Input.Submitted) -> None:
        from trialtui.tui.dialogs.confirm_dialog import ConfirmDialog

        path = Path(event.value.strip()).expanduser()
        if not path.exists():
            self._write(path)
            return

        def answered(replace: bool | None) -> None:
            if replace:
                self._write(path)
            else:
                self.query_one("#export-status", Static).update(plain(f"Not written: {path} is as it was. "
                                                                      "Enter another name, or Esc."))
                self.query_one(Input).focus()

        self.app.push_screen(ConfirmDialog(f"Replace {path.name}? y/n", f"{path} exists."), answered)

    def _write(self, path: Path) -> None:
        try:
            path = write_report(path, self.make_report())
        except OSError as err:
            self.query_one("#export-status", Static).update(plain(f"Cannot write {path}: {err.strerror or err}"))
            return
        self.dismiss(path)
