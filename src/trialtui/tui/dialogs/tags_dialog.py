"""Tags of a trial: untick one to remove it, type one (completed from tags already used) to add it.
Each change is stored when made."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, SelectionList, Static

from trialtui.tui.text import plain


class TagsDialog(ModalScreen[None]):
    """Add and remove tags on one trial."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close", id="tags.close")]

    def __init__(self, trial_id: str, tags: tuple[str, ...], known: list[str],
                 add: Callable[[str], tuple[str, ...]], remove: Callable[[str], tuple[str, ...]]) -> None:
        """`add` / `remove` store the change and return the trial's tags afterwards."""
        super().__init__()
        self.trial_id = trial_id
        self.tags = tags
        self.known = known
        self.tag_added = add
        self.tag_removed = remove

    def compose(self) -> ComposeResult:
        with Vertical(id="tags-dialog", classes="dialog"):
            yield Static(plain(f"Tags on {self.trial_id}"), id="tags-title", classes="dialog-title")
            yield Input(placeholder="new tag, Enter adds it", id="tag-input",
                        suggester=SuggestFromList(self.known, case_sensitive=False))
            yield SelectionList(*((tag, tag, True) for tag in self.tags), id="tag-list")
            yield Static("Tab to the list, Space unticks a tag to remove it. Esc closes.",
                         id="tags-status", classes="dialog-status", markup=False)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _add(self, event: Input.Submitted) -> None:
        tag = event.value.strip()
        if tag:
            self._show(self.tag_added(tag))
            event.input.value = ""

    @on(SelectionList.SelectionToggled)
    def _toggle(self, event: SelectionList.SelectionToggled) -> None:
        tag = str(event.selection.value)
        ticked = tag in event.selection_list.selected
        self._show(self.tag_added(tag) if ticked else self.tag_removed(tag), keep=tag)

    def _show(self, tags: tuple[str, ...], keep: str | None = None) -> None:
        """List the trial's tags, plus the one just unticked so it can be ticked back."""
        listing = self.query_one(SelectionList)
        shown = list(tags) + ([keep] if keep and keep not in tags else [])
        with listing.prevent(SelectionList.SelectionToggled):
            listing.clear_options()
            listing.add_options([(tag, tag, tag in tags) for tag in shown])
