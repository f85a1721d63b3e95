"""The eligibility criteria as a checklist a reviewer works through line by line.

Each item shows the reviewer's mark (✓ patient meets, ✗ patient fails, ? ask the site) and note.
Keys post `MarkRequested` / `ItemNoteRequested` up; the screen stores them and hands the marks back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from trialtui.review import MARK_GLYPHS, criterion_key
from trialtui.sections import SECTION_TITLES
from trialtui.tui.text import plain
from trialtui.tui.widgets.in_view import CursorInView
from trialtui.tui.widgets.marks import MARK_BINDINGS, ItemNoteRequested, MarkRequested

if TYPE_CHECKING:
    from trialtui.models import CriterionItem


class CriteriaChecklist(CursorInView, OptionList):
    """Inclusion and exclusion items under their headings, each with the reviewer's mark."""

    BINDINGS = MARK_BINDINGS

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._items: list[CriterionItem] = []

    def set_items(self, items: list[CriterionItem] | tuple[CriterionItem, ...],
                  marks: dict[str, tuple[str, str]] | None = None) -> None:
        """Show `items`; `marks` maps a criterion key to (mark, note)."""
        self._items = list(items)
        marks = marks or {}
        self.clear_options()
        section = None
        options: list[Option] = []
        for index, item in enumerate(self._items):
            if item.section != section:
                section = item.section
                options.append(Option(Text(SECTION_TITLES.get(section, "Criteria"), style="bold"), disabled=True))
            mark, note = marks.get(criterion_key(item), ("", ""))
            options.append(Option(self._prompt(item, mark, note), id=str(index)))
        if not options:
            options.append(Option(Text("No criteria text in this record.", style="italic"), disabled=True))
        self.add_options(options)

    def update_marks(self, marks: dict[str, tuple[str, str]]) -> None:
        """Redraw the marks in place: the highlighted item and the scroll position stay."""
        for index, item in enumerate(self._items):
            mark, note = marks.get(criterion_key(item), ("", ""))
            self.replace_option_prompt(str(index), self._prompt(item, mark, note))

    @staticmethod
    def _prompt(item: CriterionItem, mark: str, note: str, raw: str = "") -> Text:
        text = Text("  " * item.depth)
        text.append(f"{MARK_GLYPHS.get(mark, ' ')} ", style="bold")
        if item.label:
            text.append(f"{item.label} ")
        body = plain(item.text)
        if raw:
            start = body.plain.find(raw)
            if start >= 0:
                body.stylize("reverse bold", start, start + len(raw))
        text.append_text(body)
        if note:
            text.append_text(plain(f"  — {note}", style="italic"))
        return text

    def point_at(self, sentence: str, raw: str, marks: dict[str, tuple[str, str]]) -> bool:
        """Highlight the item holding `sentence`, with `raw` picked out inside it."""
        for index, item in enumerate(self._items):
            if sentence and sentence in item.text:
                mark, note = marks.get(criterion_key(item), ("", ""))
                self.update_marks(marks)
                self.replace_option_prompt(str(index), self._prompt(item, mark, note, raw))
                self.highlighted = self.get_option_index(str(index))
                return True
        return False

    def _current(self) -> CriterionItem | None:
        option = self.highlighted_option
        return self._items[int(option.id)] if option and option.id is not None else None

    def action_mark(self, mark: str) -> None:
        item = self._current()
        if item is not None:
            self.post_message(MarkRequested(criterion_key(item), mark))

    def action_item_note(self) -> None:
        item = self._current()
        if item is not None:
            self.post_message(ItemNoteRequested(criterion_key(item), item.text))
